// The node IPAM controller (kube-controller-manager --allocate-node-cidrs, range allocator): every node
// gets a /24 of the cluster's pod network 10.244.0.0/16, which its kubelet hands out to pods. 10.244.0.0/24
// belongs to the control-plane host (not a Node here), as on a kind cluster.
import { resKey, type ApiContext } from '../apiserver/context';
import { updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { Controller } from './types';

const NODES = findResource('', 'v1', 'nodes')!;
const SUBNETS = 256;

function reconcile(ctx: ApiContext): undefined {
  const nodes = ctx.store.list(resKey(NODES), '').map((e) => e.obj);
  const used = new Set<number>();
  for (const n of nodes) {
    for (const c of n.spec?.podCIDRs ?? [n.spec?.podCIDR]) {
      const m = /^10\.244\.(\d+)\.0\/24$/.exec(c ?? '');
      if (m) used.add(Number(m[1]));
    }
  }
  for (const n of nodes) {
    if (n.spec?.podCIDR || n.spec?.podCIDRs?.length) continue;
    let i = 1;
    while (used.has(i) && i < SUBNETS) i++;
    // The range is exhausted: upstream reports CIDRNotAvailable and leaves the node without one.
    if (i >= SUBNETS) return undefined;
    used.add(i);
    const cidr = `10.244.${i}.0/24`;
    updateObject(ctx, NODES, '', n.metadata.name!, { ...structuredClone(n), spec: { ...n.spec, podCIDR: cidr, podCIDRs: [cidr] } }, '');
  }
  return undefined;
}

export const nodeIpam: Controller = { name: 'node-ipam', identity: 'system:serviceaccount:kube-system:node-controller', reconcile };
