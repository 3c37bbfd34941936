// Cluster IPs and node ports: allocated on create and on a type change, checked when the user chooses them,
// released with the Service, with the 1.35 registry's messages.
import { beforeEach, describe, expect, it } from 'vitest';
import { client, signup, type Kube } from './helpers';

let k: Kube;
beforeEach(async () => {
  k = client(await signup());
});

const SVCS = '/api/v1/namespaces/default/services';
const svc = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });
const create = async (name: string, spec?: Record<string, unknown>) => {
  const r = await k(SVCS, { method: 'POST', json: svc(name, spec) });
  return { status: r.status, body: await r.json<any>() };
};
const ipNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

describe('service address allocation', () => {
  it('gives dynamic cluster IPs above the static band and node ports above theirs', async () => {
    const { status, body } = await create('web', { type: 'NodePort' });
    expect(status).toBe(201);
    const ip = ipNumber(body.spec.clusterIP);
    expect(ip).toBeGreaterThan(ipNumber('10.96.1.0'));
    expect(ip).toBeLessThan(ipNumber('10.111.255.255'));
    expect(body.spec.clusterIPs).toEqual([body.spec.clusterIP]);
    expect(body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30086);
    expect(body.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);
  });

  it('refuses a chosen cluster IP outside the range or already taken with 422', async () => {
    const out = await create('bad', { clusterIP: '10.0.0.5' });
    expect(out.status).toBe(422);
    expect(out.body).toMatchObject({
      kind: 'Status', reason: 'Invalid', code: 422,
      message: 'Service "bad" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: the provided network does not match the current range',
      details: { name: 'bad', kind: 'Service', causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs' }] },
    });
    expect((await create('mine', { clusterIP: '10.96.0.50' })).body.spec.clusterIP).toBe('10.96.0.50');
    const taken = await create('again', { clusterIP: '10.96.0.50' });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toBe('Service "again" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.50"]: failed to allocate IP 10.96.0.50: provided IP is already allocated');
    expect((await k(`${SVCS}/bad`)).status).toBe(404);
    expect((await k(`${SVCS}/again`)).status).toBe(404);
    // Deleting the Service releases its address.
    expect((await k(`${SVCS}/mine`, { method: 'DELETE' })).status).toBe(200);
    expect((await create('again', { clusterIP: '10.96.0.50' })).status).toBe(201);
  });

  it('checks chosen node ports: range, duplicates, and TCP/UDP sharing one', async () => {
    const low = await create('low', { type: 'NodePort', ports: [{ port: 80, nodePort: 29000 }] });
    expect(low.status).toBe(422);
    expect(low.body.message).toBe(
      'Service "low" is invalid: spec.ports[0].nodePort: Invalid value: 29000: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    expect((await create('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] })).status).toBe(201);
    const dup = await create('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] });
    expect(dup.status).toBe(422);
    expect(dup.body.message).toBe('Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated');
    const dns = await create('dns', {
      type: 'NodePort',
      ports: [
        { name: 'udp', port: 53, protocol: 'UDP', nodePort: 30053 },
        { name: 'tcp', port: 53, protocol: 'TCP', nodePort: 30053 },
      ],
    });
    expect(dns.status).toBe(201);
    expect(dns.body.spec.ports.map((p: any) => p.nodePort)).toEqual([30053, 30053]);
  });

  it('allocates on a type change and keeps what an update leaves out', async () => {
    await create('web');
    const patch = (json: unknown) =>
      k(`${SVCS}/web`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json }).then(async (r) => ({ status: r.status, body: await r.json<any>() }));
    const np = await patch({ spec: { type: 'NodePort' } });
    expect(np.status).toBe(200);
    const port = np.body.spec.ports[0].nodePort;
    expect(port).toBeGreaterThanOrEqual(30000);
    // A second port gets its own node port; the first keeps its own.
    const two = await patch({ spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
    expect(two.status).toBe(200);
    expect(two.body.spec.ports[1].nodePort).toBeGreaterThanOrEqual(30000);
    expect(two.body.spec.ports[1].nodePort).not.toBe(two.body.spec.ports[0].nodePort);
    const lb = await patch({ spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' } });
    expect(lb.status).toBe(200);
    expect(lb.body.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    // Back to ClusterIP: the node ports are dropped, so another Service may take them.
    const back = await patch({ spec: { type: 'ClusterIP', externalTrafficPolicy: null } });
    expect(back.status).toBe(200);
    expect(back.body.spec.ports.every((p: any) => p.nodePort === undefined)).toBe(true);
    expect((await create('taker', { type: 'NodePort', ports: [{ port: 80, nodePort: two.body.spec.ports[0].nodePort }] })).status).toBe(201);
  });

  it('gives an ExternalName service no cluster IP until it changes type', async () => {
    const ext = await create('ext', { type: 'ExternalName', externalName: 'db.example.com', selector: undefined });
    expect(ext.status).toBe(201);
    expect(ext.body.spec.clusterIP).toBeUndefined();
    const r = await k(`${SVCS}/ext`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { spec: { type: 'ClusterIP', externalName: null } } });
    expect(r.status).toBe(200);
    expect((await r.json<any>()).spec.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
  });
});
