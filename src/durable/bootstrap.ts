// What a new cluster holds, like a fresh kubeadm cluster: system namespaces, the `kubernetes` service
// and three Ready nodes. Written through the normal pipeline, as the API server's own bootstrap does.
import type { ApiContext } from '../apiserver/context';
import { rfc3339 } from '../apiserver/context';
import { createObject, updateObject } from '../apiserver/writes';
import { bootstrapRbac } from '../auth/rbac-bootstrap';
import { findResource } from '../resources/registry';
import { STANDARD_STORAGE_CLASS } from '../resources/storageclasses';
import type { ResourceDef } from '../resources/types';

export const NODE_COUNT = 3;
/** The API server's own address inside the fictional cluster network. */
export const API_SERVER_IP = '172.18.0.2';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

const def = (group: string, version: string, plural: string): ResourceDef => findResource(group, version, plural)!;

export function nodeStatus(i: number, now: string) {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message,
  });
  const resources = { cpu: '4', 'ephemeral-storage': '102400Mi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8Gi', pods: '110' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: `172.18.0.${i + 2}` },
      { type: 'Hostname', address: `node-${i}` },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: `${i}`.padStart(32, '0'),
      systemUUID: `00000000-0000-0000-0000-${`${i}`.padStart(12, '0')}`,
      bootID: `00000000-0000-0000-0000-${`${i}`.padStart(12, '0')}`,
      kernelVersion: '6.8.0-sandbox',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://2.1.3',
      kubeletVersion: 'v1.35.0',
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export function bootstrap(ctx: ApiContext) {
  const ns = def('', 'v1', 'namespaces');
  for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
    createObject(ctx, ns, '', { metadata: { name } });
  }
  const now = rfc3339(ctx.now());
  const nodes = def('', 'v1', 'nodes');
  for (let i = 1; i <= NODE_COUNT; i++) {
    const name = `node-${i}`;
    createObject(ctx, nodes, '', {
      metadata: {
        name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: { podCIDR: `10.244.${i}.0/24`, podCIDRs: [`10.244.${i}.0/24`] },
    });
    updateObject(ctx, nodes, '', name, { status: nodeStatus(i, now) }, 'status');
  }
  createObject(ctx, def('', 'v1', 'services'), 'default', {
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      clusterIP: KUBERNETES_SERVICE_IP,
      clusterIPs: [KUBERNETES_SERVICE_IP],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
  });
  createObject(ctx, def('', 'v1', 'endpoints'), 'default', {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: API_SERVER_IP }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
  });
  createObject(ctx, def('storage.k8s.io', 'v1', 'storageclasses'), '', structuredClone(STANDARD_STORAGE_CLASS));
  createObject(ctx, def('discovery.k8s.io', 'v1', 'endpointslices'), 'default', {
    metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [API_SERVER_IP], conditions: { ready: true } }],
    ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
  });
  bootstrapRbac(ctx);
}
