// The Kubernetes API of one cluster, driven over HTTP inside workerd.
import { beforeEach, describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { ORIGIN, TABLE_ACCEPT, client, clock, settle, signup, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
beforeEach(async () => {
  s = await signup();
  k = client(s);
});

// No scheduler serves `manual`: these pods stay Pending, so API behaviour is tested without the control plane.
const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { schedulerName: 'manual', containers: [{ name: 'c', image: 'nginx' }] },
});

async function createPods(n: number, labels: (i: number) => Record<string, string> = () => ({})) {
  for (let i = 0; i < n; i++) {
    const r = await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod(`p${String(i).padStart(3, '0')}`, labels(i)) });
    expect(r.status).toBe(201);
  }
}

describe('bootstrap', () => {
  it('starts like a kubeadm cluster', async () => {
    const ns = await (await k('/api/v1/namespaces')).json<any>();
    expect(ns.kind).toBe('NamespaceList');
    expect(ns.items.map((n: any) => [n.metadata.name, n.status.phase, n.metadata.labels['kubernetes.io/metadata.name']])).toEqual([
      ['default', 'Active', 'default'],
      ['kube-node-lease', 'Active', 'kube-node-lease'],
      ['kube-public', 'Active', 'kube-public'],
      ['kube-system', 'Active', 'kube-system'],
    ]);
    const nodes = await (await k('/api/v1/nodes')).json<any>();
    expect(nodes.items).toHaveLength(3);
    const n1 = nodes.items[0];
    expect(n1.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'node-1', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
    expect(n1.status.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(n1.spec.podCIDR).toBe('10.244.1.0/24');
    expect(n1.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    const svc = await (await k('/api/v1/namespaces/default/services/kubernetes')).json<any>();
    expect(svc.spec.clusterIP).toBe('10.96.0.1');
  });
});

describe('create, get, update, delete', () => {
  it('fills server fields on create and refuses duplicates', async () => {
    const r = await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod('web') });
    expect(r.status).toBe(201);
    expect(r.headers.get('server-timing')).toMatch(/^cluster;dur=\d+$/);
    const p = await r.json<any>();
    expect(p.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.metadata.namespace).toBe('default');
    expect(p.metadata.generation).toBe(1);
    expect(Number(p.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(p.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(p.status).toMatchObject({ phase: 'Pending', qosClass: 'BestEffort' });
    const dup = await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod('web') });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "web" already exists', reason: 'AlreadyExists',
      details: { name: 'web', kind: 'pods' }, code: 409,
    });
  });

  it('generates names from generateName', async () => {
    const r = await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { generateName: 'cfg-' }, data: { a: 'b' } } });
    expect(r.status).toBe(201);
    expect((await r.json<any>()).metadata.name).toMatch(/^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('rejects a namespace mismatch and a dry run stores nothing', async () => {
    const bad = await k('/api/v1/namespaces/default/pods', { method: 'POST', json: { ...pod('x'), metadata: { name: 'x', namespace: 'kube-system' } } });
    expect(bad.status).toBe(400);
    expect((await bad.json<any>()).message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    const dry = await k('/api/v1/namespaces/default/pods?dryRun=All', { method: 'POST', json: pod('dry') });
    expect(dry.status).toBe(201);
    expect((await k('/api/v1/namespaces/default/pods/dry')).status).toBe(404);
  });

  it('answers 409 Conflict to a stale resourceVersion and allows unconditional PUT', async () => {
    const created = await (await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'c' }, data: { a: '1' } } })).json<any>();
    const v1 = { ...created, data: { a: '2' } };
    const ok = await k('/api/v1/namespaces/default/configmaps/c', { method: 'PUT', json: v1 });
    expect(ok.status).toBe(200);
    const stale = await k('/api/v1/namespaces/default/configmaps/c', { method: 'PUT', json: { ...created, data: { a: '3' } } });
    expect(stale.status).toBe(409);
    expect((await stale.json<any>()).message).toBe(
      'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
    );
    const { resourceVersion: _rv, ...meta } = created.metadata;
    const unconditional = await k('/api/v1/namespaces/default/configmaps/c', { method: 'PUT', json: { ...created, metadata: meta, data: { a: '4' } } });
    expect(unconditional.status).toBe(200);
    expect((await unconditional.json<any>()).data).toEqual({ a: '4' });
  });

  it('bumps generation on spec changes only', async () => {
    const d = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
      spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    expect((await k('/apis/apps/v1/namespaces/default/deployments', { method: 'POST', json: d })).status).toBe(201);
    const labelled = await (await k('/apis/apps/v1/namespaces/default/deployments/d', {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { metadata: { labels: { x: 'y' } } },
    })).json<any>();
    expect(labelled.metadata.generation).toBe(1);
    const scaled = await (await k('/apis/apps/v1/namespaces/default/deployments/d/scale', {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { spec: { replicas: 4 } },
    })).json<any>();
    expect(scaled).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 }, status: { selector: 'app=d' } });
    const after = await (await k('/apis/apps/v1/namespaces/default/deployments/d')).json<any>();
    expect(after.metadata.generation).toBe(2);
    expect(after.spec.replicas).toBe(4);
  });

  it('applies the three patch types', async () => {
    await createPods(1);
    const smp = await k('/api/v1/namespaces/default/pods/p000', {
      method: 'PATCH', headers: { 'content-type': 'application/strategic-merge-patch+json' },
      json: { spec: { containers: [{ name: 'c', image: 'nginx:1.29' }] } },
    });
    expect(smp.status).toBe(200);
    const p = await smp.json<any>();
    expect(p.spec.containers).toHaveLength(1);
    expect(p.spec.containers[0]).toMatchObject({ name: 'c', image: 'nginx:1.29', imagePullPolicy: 'Always' });
    const jp = await k('/api/v1/namespaces/default/pods/p000', {
      method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' },
      json: [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }],
    });
    expect((await jp.json<any>()).metadata.labels).toEqual({ a: 'b' });
    const forbidden = await k('/api/v1/namespaces/default/pods/p000', {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { spec: { restartPolicy: 'Never' } },
    });
    expect(forbidden.status).toBe(422);
    const status = await forbidden.json<any>();
    expect(status.details.causes[0].field).toBe('spec');
    expect(status.message).toMatch(/^Pod "p000" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  });

  it('deletes objects, with finalizers only marking them', async () => {
    await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'f', finalizers: ['example.com/hold'] } } });
    const del = await k('/api/v1/namespaces/default/configmaps/f', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await del.json<any>()).metadata.deletionTimestamp).toBeTruthy();
    const held = await (await k('/api/v1/namespaces/default/configmaps/f')).json<any>();
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    const released = await k('/api/v1/namespaces/default/configmaps/f', {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { metadata: { finalizers: null } },
    });
    expect(released.status).toBe(200);
    expect((await k('/api/v1/namespaces/default/configmaps/f')).status).toBe(404);
    const missing = await k('/api/v1/namespaces/default/configmaps/f', { method: 'DELETE' });
    expect(missing.status).toBe(404);
  });
});

describe('list', () => {
  it('pages with limit and continue', async () => {
    await createPods(5);
    const first = await (await k('/api/v1/namespaces/default/pods?limit=2')).json<any>();
    expect(first.items.map((p: any) => p.metadata.name)).toEqual(['p000', 'p001']);
    expect(first.metadata.remainingItemCount).toBe(3);
    const second = await (await k(`/api/v1/namespaces/default/pods?limit=2&continue=${first.metadata.continue}`)).json<any>();
    expect(second.items.map((p: any) => p.metadata.name)).toEqual(['p002', 'p003']);
    const third = await (await k(`/api/v1/namespaces/default/pods?limit=2&continue=${second.metadata.continue}`)).json<any>();
    expect(third.items.map((p: any) => p.metadata.name)).toEqual(['p004']);
    expect(third.metadata.continue).toBeUndefined();
    const bad = await k('/api/v1/namespaces/default/pods?limit=2&continue=garbage');
    expect(bad.status).toBe(400);
  });

  it('keeps key order as objects come and go between lists', async () => {
    await k('/api/v1/namespaces', { method: 'POST', json: { metadata: { name: 'other' } } });
    const names = async (path: string) => (await (await k(path)).json<any>()).items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`);
    const mine = (all: string[]) => all.filter((n) => /\/(b|m|z|a)$/.test(n));
    const create = (ns: string, name: string) => k(`/api/v1/namespaces/${ns}/pods`, { method: 'POST', json: pod(name) });
    await create('default', 'm');
    // both lists are read (and cached) before every change below
    for (const step of [() => create('default', 'z'), () => create('other', 'a'), () => create('default', 'b'), () => k('/api/v1/namespaces/default/pods/m', { method: 'DELETE' })]) {
      await names('/api/v1/pods');
      await names('/api/v1/namespaces/default/pods');
      expect((await step()).status).toBeLessThan(300);
    }
    expect(mine(await names('/api/v1/pods'))).toEqual(['default/b', 'default/z', 'other/a']);
    expect(mine(await names('/api/v1/namespaces/default/pods'))).toEqual(['default/b', 'default/z']);
  });

  it('filters by label and field selectors', async () => {
    await createPods(4, (i) => ({ tier: i % 2 ? 'web' : 'db', ...(i === 3 ? { canary: 'true' } : {}) }));
    const names = async (q: string) => (await (await k(`/api/v1/namespaces/default/pods?${q}`)).json<any>()).items.map((p: any) => p.metadata.name);
    expect(await names('labelSelector=tier%3Dweb')).toEqual(['p001', 'p003']);
    expect(await names('labelSelector=tier!%3Dweb')).toEqual(['p000', 'p002']);
    expect(await names('labelSelector=tier%20in%20(db)')).toEqual(['p000', 'p002']);
    expect(await names('labelSelector=canary')).toEqual(['p003']);
    expect(await names('labelSelector=!canary,tier%3Dweb')).toEqual(['p001']);
    expect(await names('fieldSelector=metadata.name%3Dp002')).toEqual(['p002']);
    expect(await names('fieldSelector=status.phase%3DPending,metadata.name!%3Dp000')).toEqual(['p001', 'p002', 'p003']);
    const bad = await k('/api/v1/namespaces/default/pods?fieldSelector=spec.foo%3Dx');
    expect(bad.status).toBe(400);
  });

  it('answers Tables with the printer columns', async () => {
    await createPods(2);
    const t = await (await k('/api/v1/namespaces/default/pods', { headers: { accept: TABLE_ACCEPT } })).json<any>();
    expect(t.kind).toBe('Table');
    expect(t.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(t.rows[0].cells.slice(0, 4)).toEqual(['p000', '0/1', 'Pending', '0']);
    expect(t.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'p000', namespace: 'default' } });
  });
});

describe('bad input', () => {
  it('answers malformed JSON and YAML with 400 and changes nothing', async () => {
    await clock(s, { action: 'pause' });
    await settle(s.id); // nothing else writes while the resourceVersion is compared
    const before = (await (await k('/api/v1/namespaces/default/pods')).json<any>()).metadata.resourceVersion;
    for (const [ct, body] of [['application/json', '{"metadata":'], ['application/yaml', 'a: [b'], ['application/json', '[1,2]']]) {
      const r = await k('/api/v1/namespaces/default/pods', { method: 'POST', headers: { 'content-type': ct }, body });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    }
    const invalid = await k('/api/v1/namespaces/default/pods', { method: 'POST', json: { metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] } } });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({
      reason: 'Invalid', message: 'Pod "x" is invalid: spec.containers[0].image: Required value',
      details: { name: 'x', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }] },
    });
    const after = (await (await k('/api/v1/namespaces/default/pods')).json<any>()).metadata.resourceVersion;
    expect(after).toBe(before);
  });

  it('validates fields strictly on request and warns by default', async () => {
    const body = { ...pod('s'), spec: { foo: 1, containers: [{ name: 'c', image: 'nginx', imagePullPolicyy: 'Always' }] } };
    const strict = await k('/api/v1/namespaces/default/pods?fieldValidation=Strict', { method: 'POST', json: body });
    expect(strict.status).toBe(400);
    expect((await strict.json<any>()).message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].imagePullPolicyy"',
    );
    expect((await k('/api/v1/namespaces/default/pods/s')).status).toBe(404);
    const warned = await k('/api/v1/namespaces/default/pods', { method: 'POST', json: body });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.foo\\"", 299 - "unknown field \\"spec.containers[0].imagePullPolicyy\\""');
    const stored = await (await k('/api/v1/namespaces/default/pods/s')).json<any>();
    expect(stored.spec.foo).toBeUndefined();
    expect(stored.spec.containers[0].imagePullPolicyy).toBeUndefined();
    const patched = await k('/api/v1/namespaces/default/pods/s?fieldValidation=Strict', {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { metadata: { labelz: { a: 'b' } } },
    });
    expect(patched.status).toBe(400);
    expect((await patched.json<any>()).message).toMatch(/strict decoding error: unknown field "metadata.labelz"$/);
  });

  it('refuses bodies over 3 MiB with 413 and objects over 1.5 MiB', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024 + 10);
    const r = await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'big' }, data: { a: huge } } });
    expect(r.status).toBe(413);
    // A container's args have no validation limit: only the stored size stops this pod.
    const bigPod = (name: string) => ({ ...pod(name), spec: { ...pod(name).spec, containers: [{ name: 'c', image: 'nginx', args: ['x'.repeat(1.6 * 1024 * 1024)] }] } });
    const tooLarge = { kind: 'Status', code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: object exceeds the limit of 1572864 bytes' };
    for (const query of ['', '?dryRun=All']) {
      const big = await k(`/api/v1/namespaces/default/pods${query}`, { method: 'POST', json: bigPod('big') });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject(tooLarge);
    }
    expect((await k('/api/v1/namespaces/default/pods/big')).status).toBe(404);
    // An update that would grow an object past the limit leaves it as it was.
    expect((await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod('grows') })).status).toBe(201);
    const before = await (await k('/api/v1/namespaces/default/pods/grows')).json<any>();
    const grown = await k('/api/v1/namespaces/default/pods/grows/status', {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { status: { message: 'x'.repeat(1.6 * 1024 * 1024) } },
    });
    expect(grown.status).toBe(413);
    expect(await grown.json()).toMatchObject(tooLarge);
    expect(await (await k('/api/v1/namespaces/default/pods/grows')).json()).toEqual(before);
  });

  it('answers a malformed percent-escape in a path with 400, on the Kubernetes API and the sandbox API', async () => {
    const api = await k('/api/v1/namespaces/%zz/pods');
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'invalid URL escape in "%zz"' });
    const sandbox = await SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/nodes/%zz/fail`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    expect(sandbox.status).toBe(400);
    expect(await sandbox.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'invalid URL escape in "%zz"' });
  });

  it('answers unknown paths and verbs with Kubernetes Statuses', async () => {
    const nf = await k('/api/v1/namespaces/default/foos');
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ reason: 'NotFound', message: 'the server could not find the requested resource' });
    const missing = await k('/apis/apps/v1/namespaces/default/deployments/nope');
    expect(await missing.json()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'deployments.apps "nope" not found', reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' }, code: 404,
    });
  });
});

describe('Status bodies', () => {
  it('write their keys in the API server order and refuse broken protobuf', async () => {
    const text = await (await k('/api/v1/namespaces/default/pods/nope')).text();
    expect(text).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}');
    for (const body of [new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f]), new Uint8Array([1, 2, 3]), new Uint8Array()]) {
      const r = await k('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    }
  });
});

describe('delete options and namespace finalize', () => {
  it('reads delete options from the query string and finalizes namespaces through /finalize', async () => {
    await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'keep' } } });
    const dry = await k('/api/v1/namespaces/default/configmaps/keep?dryRun=All', { method: 'DELETE' });
    expect(dry.status).toBe(200);
    expect((await k('/api/v1/namespaces/default/configmaps/keep')).status).toBe(200);
    const bad = await k('/api/v1/namespaces/default/configmaps/keep?gracePeriodSeconds=soon', { method: 'DELETE' });
    expect(bad.status).toBe(400);

    const s2 = await signup();
    const k2 = client(s2);
    await clock(s2, { action: 'pause' });
    await k2('/api/v1/namespaces', { method: 'POST', json: { metadata: { name: 'gone' } } });
    const terminating = await (await k2('/api/v1/namespaces/gone', { method: 'DELETE' })).json<any>();
    expect(terminating.status.phase).toBe('Terminating');
    const ns = await (await k2('/api/v1/namespaces/gone')).json<any>();
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    const finalized = await k2('/api/v1/namespaces/gone/finalize', { method: 'PUT', json: { ...ns, spec: { finalizers: [] } } });
    expect(finalized.status).toBe(200);
    expect((await k2('/api/v1/namespaces/gone')).status).toBe(404);
    expect((await k2('/api/v1/namespaces/gone/finalize', { method: 'GET' })).status).toBe(405);
  });
});
