// Object lifecycle controllers: service accounts per namespace, namespace deletion, the garbage collector
// with the three propagation policies, and event expiry. The clock is paused; `settle` steps the controllers.
import { describe, expect, it } from 'vitest';
import { clock, type Kube, settle, type Signup, usePausedCluster } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

const MERGE = { 'content-type': 'application/merge-patch+json' };
const CM = '/api/v1/namespaces/default/configmaps';

async function createNamespace(name: string) {
  expect((await k('/api/v1/namespaces', { method: 'POST', json: { metadata: { name } } })).status).toBe(201);
}

async function configMap(name: string, meta: Record<string, unknown> = {}, ns = 'default') {
  const r = await k(`/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', json: { metadata: { name, ...meta }, data: { a: '1' } } });
  expect(r.status).toBe(201);
  return r.json<any>();
}

const ownedBy = (owner: any, block = false) => ({
  ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid, ...(block && { blockOwnerDeletion: true }) }],
});
const del = (path: string, body?: unknown) => k(path, { method: 'DELETE', ...(body !== undefined && { json: body }) });
const get = async (path: string) => {
  const r = await k(path);
  return r.status === 404 ? undefined : r.json<any>();
};

describe('service accounts', () => {
  it('gives every namespace a default ServiceAccount and the root CA ConfigMap, and puts them back', async () => {
    await createNamespace('team');
    await settle(s.id);
    expect((await get('/api/v1/namespaces/team/serviceaccounts/default'))?.metadata.name).toBe('default');
    expect(await get('/api/v1/namespaces/kube-system/serviceaccounts/default')).toBeDefined();
    const ca = await get('/api/v1/namespaces/team/configmaps/kube-root-ca.crt');
    expect(ca.data['ca.crt']).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(ca.metadata.annotations['kubernetes.io/description']).toBe(
      'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
    );

    await del('/api/v1/namespaces/team/serviceaccounts/default');
    await k('/api/v1/namespaces/team/configmaps/kube-root-ca.crt', { method: 'PATCH', headers: MERGE, json: { data: { 'ca.crt': 'x' } } });
    await settle(s.id);
    expect(await get('/api/v1/namespaces/team/serviceaccounts/default')).toBeDefined();
    expect((await get('/api/v1/namespaces/team/configmaps/kube-root-ca.crt')).data['ca.crt']).toBe(ca.data['ca.crt']);
  });
});

describe('namespace deletion', () => {
  it('goes Terminating, refuses new content, deletes the content, then the namespace', async () => {
    await createNamespace('demo');
    await settle(s.id);
    await configMap('plain', {}, 'demo');
    await configMap('held', { finalizers: ['example.com/hold'] }, 'demo');
    await k('/api/v1/namespaces/demo/pods', { method: 'POST', json: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });

    const deleted = await del('/api/v1/namespaces/demo', { propagationPolicy: 'Background' });
    expect(deleted.status).toBe(200);
    const terminating = await deleted.json<any>();
    expect(terminating.status.phase).toBe('Terminating');
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.spec.finalizers).toEqual(['kubernetes']);

    const refused = await k('/api/v1/namespaces/demo/configmaps', { method: 'POST', json: { metadata: { name: 'late' } } });
    expect(refused.status).toBe(403);
    const status = await refused.json<any>();
    expect(status.message).toBe('configmaps "late" is forbidden: unable to create new content in namespace demo because it is being terminated');
    expect(status.details.causes).toEqual([{ reason: 'NamespaceTerminating', message: 'namespace demo is being terminated', field: 'metadata.namespace' }]);

    // The controller waits 5 s (namespaceDeletionGracePeriod) before it starts.
    await settle(s.id);
    expect((await get('/api/v1/namespaces/demo')).status.conditions).toBeUndefined();
    await clock(s, { action: 'advance', seconds: 5 });
    await settle(s.id);

    const ns = await get('/api/v1/namespaces/demo');
    expect(ns.status.phase).toBe('Terminating');
    expect(ns.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
      ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain', 'Some resources are remaining: configmaps. has 1 resource instances'],
      ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances'],
    ]);
    const left = await (await k('/api/v1/namespaces/demo/configmaps')).json<any>();
    expect(left.items.map((c: any) => c.metadata.name)).toEqual(['held']);
    expect(left.items[0].metadata.deletionTimestamp).toBeDefined();
    expect((await (await k('/api/v1/namespaces/demo/pods')).json<any>()).items).toEqual([]);
    expect((await (await k('/api/v1/namespaces/demo/serviceaccounts')).json<any>()).items).toEqual([]);

    await k('/api/v1/namespaces/demo/configmaps/held', { method: 'PATCH', headers: MERGE, json: { metadata: { finalizers: null } } });
    // Upstream requeues after estimate/2+1 s; here the controller looks again as soon as something changed.
    await settle(s.id);
    expect((await k('/api/v1/namespaces/demo')).status).toBe(404);
  });

  it('keeps the system namespaces', async () => {
    const r = await del('/api/v1/namespaces/default');
    expect(r.status).toBe(403);
    expect((await r.json<any>()).message).toBe('namespaces "default" is forbidden: this namespace may not be deleted');
  });
});

describe('garbage collection', () => {
  it('deletes the dependents of a deleted owner in the background', async () => {
    const owner = await configMap('owner');
    await configMap('dep', ownedBy(owner));
    await configMap('other-owner-dep', { ownerReferences: [...ownedBy(owner).ownerReferences, { apiVersion: 'v1', kind: 'ConfigMap', name: 'keeper', uid: (await configMap('keeper')).metadata.uid }] });
    expect((await del(`${CM}/owner`, { propagationPolicy: 'Background' })).status).toBe(200);
    expect(await get(`${CM}/owner`)).toBeUndefined();
    await settle(s.id);
    expect(await get(`${CM}/dep`)).toBeUndefined();
    // A dependent with another, live owner stays, without the dangling reference.
    const kept = await get(`${CM}/other-owner-dep`);
    expect(kept.metadata.ownerReferences.map((r: any) => r.name)).toEqual(['keeper']);
  });

  it('keeps a foreground-deleted owner until its blocking dependents are gone', async () => {
    const owner = await configMap('owner');
    await configMap('dep', { ...ownedBy(owner, true), finalizers: ['example.com/hold'] });
    const r = await del(`${CM}/owner`, { propagationPolicy: 'Foreground' });
    expect(r.status).toBe(200);
    const marked = await r.json<any>();
    expect(marked.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(marked.metadata.deletionTimestamp).toBeDefined();

    await settle(s.id);
    expect((await get(`${CM}/dep`)).metadata.deletionTimestamp).toBeDefined();
    expect((await get(`${CM}/owner`)).metadata.finalizers).toEqual(['foregroundDeletion']);

    await k(`${CM}/dep`, { method: 'PATCH', headers: MERGE, json: { metadata: { finalizers: null } } });
    await settle(s.id);
    expect(await get(`${CM}/dep`)).toBeUndefined();
    expect(await get(`${CM}/owner`)).toBeUndefined();
  });

  it('orphans the dependents: they stay, without the reference', async () => {
    const owner = await configMap('owner');
    await configMap('dep', ownedBy(owner, true));
    const r = await del(`${CM}/owner`, { propagationPolicy: 'Orphan' });
    expect((await r.json<any>()).metadata.finalizers).toEqual(['orphan']);
    await settle(s.id);
    expect(await get(`${CM}/owner`)).toBeUndefined();
    const dep = await get(`${CM}/dep`);
    expect(dep.metadata.ownerReferences).toBeUndefined();
  });

  it('takes a deployment down in the foreground: pods, then replica sets, then the deployment', async () => {
    const deployment = {
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    };
    expect((await k('/apis/apps/v1/namespaces/default/deployments', { method: 'POST', json: deployment })).status).toBe(201);
    await clock(s, { action: 'advance', seconds: 10 });
    await settle(s.id);
    const pods = async () => (await (await k('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).json<any>()).items;
    expect(await pods()).toHaveLength(2);

    const r = await del('/apis/apps/v1/namespaces/default/deployments/web', { propagationPolicy: 'Foreground' });
    const marked = await r.json<any>();
    expect(marked.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(marked.metadata.generation).toBe(2);
    for (let i = 0; i < 10 && (await get('/apis/apps/v1/namespaces/default/deployments/web')); i++) {
      await clock(s, { action: 'advance', seconds: 30 });
      await settle(s.id);
    }
    expect(await get('/apis/apps/v1/namespaces/default/deployments/web')).toBeUndefined();
    expect((await (await k('/apis/apps/v1/namespaces/default/replicasets')).json<any>()).items).toEqual([]);
    expect(await pods()).toEqual([]);
  });

  it('validates the propagation policy', async () => {
    await configMap('c');
    const r = await del(`${CM}/c`, { propagationPolicy: 'Sometimes' });
    expect(r.status).toBe(422);
    expect((await r.json<any>()).message).toBe(
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"',
    );
    expect(await get(`${CM}/c`)).toBeDefined();
  });
});

describe('event TTL', () => {
  it('expires events an hour after they last happened', async () => {
    const { now } = await clock(s, { action: 'pause' });
    const event = (name: string, at: string) => ({
      metadata: { name },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p', apiVersion: 'v1' },
      reason: 'Test',
      message: 'hello',
      type: 'Normal',
      source: { component: 'test' },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    });
    const at = now.replace(/\.\d+Z$/, 'Z');
    expect((await k('/api/v1/namespaces/default/events', { method: 'POST', json: event('old', at) })).status).toBe(201);
    await clock(s, { action: 'advance', seconds: 1800 });
    const later = new Date(Date.parse(at) + 1800_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect((await k('/api/v1/namespaces/default/events', { method: 'POST', json: event('newer', later) })).status).toBe(201);

    await clock(s, { action: 'advance', seconds: 1799 });
    await settle(s.id);
    expect(await get('/api/v1/namespaces/default/events/old')).toBeDefined();
    await clock(s, { action: 'advance', seconds: 1 });
    await settle(s.id);
    expect(await get('/api/v1/namespaces/default/events/old')).toBeUndefined();
    expect(await get('/api/v1/namespaces/default/events/newer')).toBeDefined();
    await clock(s, { action: 'advance', seconds: 1800 });
    await settle(s.id);
    expect(await get('/api/v1/namespaces/default/events/newer')).toBeUndefined();
  });
});
