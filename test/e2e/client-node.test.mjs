// The official JavaScript client (@kubernetes/client-node 1.x, which runs on Node 20) against the real local server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, PatchStrategy, Watch, makeInformer, setHeaderOptions } from '@kubernetes/client-node';
import { eventually, newCluster, startServer } from './harness.mjs';

let server;
let kc;
let core;
before(async () => {
  server = await startServer();
  const c = await newCluster(server);
  kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
after(async () => server?.stop());

const pod = (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'cn' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });


describe('@kubernetes/client-node', () => {
  it('creates, lists, patches and deletes', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('cn-pod') });
    assert.equal(created.metadata.name, 'cn-pod');
    assert.equal(created.spec.containers[0].imagePullPolicy, 'Always');
    const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=cn' });
    assert.deepEqual(list.items.map((p) => p.metadata.name), ['cn-pod']);

    const merged = await core.patchNamespacedPod(
      { name: 'cn-pod', namespace: 'default', body: { metadata: { labels: { tier: 'web' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.metadata.labels, { app: 'cn', tier: 'web' });
    const jsonPatched = await core.patchNamespacedPod({
      name: 'cn-pod',
      namespace: 'default',
      body: [{ op: 'replace', path: '/metadata/labels/tier', value: 'db' }],
    });
    assert.equal(jsonPatched.metadata.labels.tier, 'db');
    const applied = await core.patchNamespacedConfigMap(
      { name: 'cn-applied', namespace: 'default', fieldManager: 'cn', force: true, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn-applied' }, data: { a: '1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    assert.deepEqual(applied.data, { a: '1' });
    assert.equal(applied.metadata.managedFields[0].manager, 'cn');

    // Grace period 0: removed at once even if a simulated kubelet already runs it.
    await core.deleteNamespacedPod({ name: 'cn-pod', namespace: 'default', gracePeriodSeconds: 0 });
    await assert.rejects(core.readNamespacedPod({ name: 'cn-pod', namespace: 'default' }), (e) => {
      assert.equal(e.code, 404);
      assert.equal(JSON.parse(e.body).message, 'pods "cn-pod" not found');
      return true;
    });
  });

  it('watches, replaying existing objects first', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'seen-before' } } });
    const events = [];
    const req = await new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { allowWatchBookmarks: true },
      (type, obj) => events.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await eventually('ADDED seen-before', () => events.includes('ADDED seen-before'));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'seen-live' } } });
    await core.deleteNamespacedConfigMap({ name: 'seen-live', namespace: 'default' });
    await eventually('DELETED seen-live', () => events.includes('DELETED seen-live'));
    assert.deepEqual(events.filter((e) => e.endsWith('seen-live')), ['ADDED seen-live', 'DELETED seen-live']);
    req.abort();
  });

  it('runs an informer that lists, then watches', async () => {
    const informer = makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
    const added = [];
    informer.on('add', (p) => added.push(p.metadata.name));
    await core.createNamespacedPod({ namespace: 'default', body: pod('before-start') });
    await informer.start();
    await core.createNamespacedPod({ namespace: 'default', body: pod('after-start') });
    await eventually('after-start', () => added.includes('after-start'));
    assert.ok(added.includes('before-start'));
    assert.deepEqual(informer.list().map((p) => p.metadata.name).sort(), ['after-start', 'before-start']);
    await informer.stop();
  });
});
