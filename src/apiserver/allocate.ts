// Service address allocation done by the service registry on create: a cluster IP from the service CIDR
// (10.96.0.0/12) and node ports from 30000-32767, both unique in the cluster.
import { resKey, type ApiContext } from './context';
import { invalid } from './errors';
import { invalid as invalidField } from './field-errors';
import type { KubeObject } from '../resources/types';

const SERVICES = { group: '', plural: 'services' };
const CIDR_BASE = (10 << 24) | (96 << 16); // 10.96.0.0
const CIDR_SIZE = 1 << 20; // /12
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

const ipToString = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

function randomInt(max: number): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] % max;
}

function used(ctx: ApiContext) {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const e of ctx.store.list(resKey(SERVICES), '')) {
    for (const ip of e.obj.spec?.clusterIPs ?? [e.obj.spec?.clusterIP]) if (ip) ips.add(ip);
    for (const p of e.obj.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  }
  return { ips, ports };
}

/** Fills spec.clusterIP(s) and nodePorts of a new Service; a requested address already taken is a 422. */
export function allocateServiceAddresses(ctx: ApiContext, svc: KubeObject) {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return;
  const { ips, ports } = used(ctx);
  const name = svc.metadata.name ?? '';
  if (spec.clusterIP !== 'None') {
    if (spec.clusterIP) {
      if (ips.has(spec.clusterIP)) {
        throw invalid('Service', '', name, [invalidField('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`)]);
      }
    } else {
      let ip: string;
      do ip = ipToString(CIDR_BASE + 1 + randomInt(CIDR_SIZE - 2));
      while (ips.has(ip));
      spec.clusterIP = ip;
    }
    spec.clusterIPs = [spec.clusterIP];
  } else {
    spec.clusterIPs = ['None'];
  }
  if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return;
  (spec.ports ?? []).forEach((p: any, i: number) => {
    if (p.nodePort) {
      if (ports.has(p.nodePort)) {
        throw invalid('Service', '', name, [invalidField(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated')]);
      }
    } else {
      let port: number;
      do port = NODE_PORT_MIN + randomInt(NODE_PORT_MAX - NODE_PORT_MIN + 1);
      while (ports.has(port));
      p.nodePort = port;
    }
    ports.add(p.nodePort);
  });
}
