// Services and their endpoints: the endpoints and EndpointSlice controllers, driven through the API with
// the control plane stepped by `settle`. The simulated kubelet runs the pods (pod IPs from the node's CIDR);
// the simulation annotations keep a pod unready (`ready: "false"`) or delay its readiness (`ready-after`).
import { describe, expect, it } from 'vitest';
import { clock, type Kube, settle, type Signup, usePausedCluster } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

const SIM = 'sim.kube-sandbox.dev/';

async function pod(name: string, node: string, annotations: Record<string, string> = {}) {
  const created = await k('/api/v1/namespaces/default/pods', {
    method: 'POST',
    json: {
      metadata: { name, labels: { app: 'web' }, annotations },
      spec: { nodeName: node, containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  });
  expect(created.status).toBe(201);
}

/** Lets the kubelets pull and start everything, then returns the pods as they are. */
async function started(...names: string[]) {
  await clock(s, { action: 'advance', seconds: 10 });
  await settle(s.id);
  return Promise.all(names.map(async (n) => (await k(`/api/v1/namespaces/default/pods/${n}`)).json<any>()));
}

async function service(name: string, spec: Record<string, unknown>) {
  const r = await k('/api/v1/namespaces/default/services', { method: 'POST', json: { metadata: { name, labels: { tier: 'front' } }, spec } });
  expect(r.status).toBe(201);
  return r.json<any>();
}

const slicesOf = async (svc: string) =>
  (await (await k(`/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name%3D${svc}`)).json<any>()).items;

describe('endpoints and endpoint slices', () => {
  it('publishes ready and not-ready pods, resolving a named targetPort', async () => {
    await pod('web-a', 'node-1');
    await pod('web-b', 'node-2', { [`${SIM}ready`]: 'false' });
    const svc = await service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    const [ready, notReady] = await started('web-a', 'web-b');
    const [ipA, ipB] = [ready.status.podIP, notReady.status.podIP];
    expect(ipA).toMatch(/^10\.244\.1\.\d+$/);
    expect(ipB).toMatch(/^10\.244\.2\.\d+$/);

    const ep = await (await k('/api/v1/namespaces/default/endpoints/web')).json<any>();
    expect(ep.metadata.labels).toEqual({ tier: 'front', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
    expect(ep.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: ipA, nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-a', uid: ready.metadata.uid } }],
        notReadyAddresses: [{ ip: ipB, nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-b', uid: notReady.metadata.uid } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);

    const [slice, ...more] = await slicesOf('web');
    expect(more).toEqual([]);
    expect(slice.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(slice.metadata.generateName).toBe('web-');
    expect(slice.metadata.labels).toEqual({
      tier: 'front',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    expect(slice.endpoints).toEqual([
      {
        addresses: [ipA],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'web-a', uid: ready.metadata.uid },
        nodeName: 'node-1',
      },
      {
        addresses: [ipB],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'web-b', uid: notReady.metadata.uid },
        nodeName: 'node-2',
      },
    ]);

    // The server-side tables: `kubectl get ep` lists ready addresses only, `get endpointslices` all of them.
    const table = await (await k('/api/v1/namespaces/default/endpoints/web', { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json<any>();
    expect(table.rows[0].cells[1]).toBe(`${ipA}:8080`);
  });

  it('follows pods as they become ready and go away', async () => {
    await pod('web-a', 'node-1', { [`${SIM}ready-after`]: '30' });
    await service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    const [a] = await started('web-a');
    let ep = await (await k('/api/v1/namespaces/default/endpoints/web')).json<any>();
    expect(ep.subsets[0].addresses).toBeUndefined();
    expect(ep.subsets[0].notReadyAddresses.map((x: any) => x.ip)).toEqual([a.status.podIP]);
    expect((await slicesOf('web'))[0].endpoints[0].conditions).toEqual({ ready: false, serving: false, terminating: false });

    await clock(s, { action: 'advance', seconds: 30 });
    await settle(s.id);
    ep = await (await k('/api/v1/namespaces/default/endpoints/web')).json<any>();
    expect(ep.subsets).toEqual([{ addresses: [expect.objectContaining({ ip: a.status.podIP })], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect((await slicesOf('web'))[0].endpoints[0].conditions).toEqual({ ready: true, serving: true, terminating: false });

    await k('/api/v1/namespaces/default/pods/web-a?gracePeriodSeconds=0', { method: 'DELETE', json: { gracePeriodSeconds: 0 } });
    await settle(s.id);
    ep = await (await k('/api/v1/namespaces/default/endpoints/web')).json<any>();
    expect(ep.subsets).toBeUndefined();
    const [placeholder, ...more] = await slicesOf('web');
    expect(more).toEqual([]);
    expect(placeholder.endpoints).toBeNull();
    expect(placeholder.ports).toBeNull();
  });

  it('leaves selector-less services alone and removes both objects with the service', async () => {
    await pod('web-a', 'node-1');
    await service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
    await service('manual', { ports: [{ port: 80 }] });
    await started();
    expect((await k('/api/v1/namespaces/default/endpoints/manual')).status).toBe(404);
    expect(await slicesOf('manual')).toEqual([]);
    expect(await slicesOf('web')).toHaveLength(1);
    // The kubernetes service keeps the endpoints the API server maintains.
    const kubernetes = await (await k('/api/v1/namespaces/default/endpoints/kubernetes')).json<any>();
    expect(kubernetes.subsets[0].addresses).toEqual([{ ip: '172.18.0.2' }]);

    expect((await k('/api/v1/namespaces/default/services/web', { method: 'DELETE' })).status).toBe(200);
    await settle(s.id);
    expect((await k('/api/v1/namespaces/default/endpoints/web')).status).toBe(404);
    expect(await slicesOf('web')).toEqual([]);
  });
});
