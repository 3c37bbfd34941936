// Watch over HTTP: initial events, resume, watch-list bookmarks, selectors, compaction, Tables.
import { beforeEach, describe, expect, it } from 'vitest';
import { TABLE_ACCEPT, inCluster, settle, usePausedCluster, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
// A settled cluster with a paused clock: only the test's own writes reach the watches.
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});
beforeEach(async () => {
  await settle(s.id);
});

const cm = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, data: { v: '1' } });
const create = (name: string, labels?: Record<string, string>) =>
  k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: cm(name, labels) }).then((r) => r.json<any>());

/** Reads newline-delimited watch events until `n` arrived (bounded, so a missing event fails the test). */
async function events(res: Response, n: number): Promise<any[]> {
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: any[] = [];
  let buf = '';
  const deadline = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`got ${out.length} of ${n} events: ${JSON.stringify(out)}`)), 5000));
  while (out.length < n) {
    const { value, done } = await Promise.race([reader.read(), deadline]);
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      out.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  }
  reader.cancel();
  return out;
}

describe('watch', () => {
  it('sends existing objects as ADDED, then live changes', async () => {
    await create('a');
    // Skip the CA bundle every namespace holds (kube-root-ca.crt).
    const res = await k('/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name!%3Dkube-root-ca.crt');
    const live = events(res, 3);
    const b = await create('b');
    await k('/api/v1/namespaces/default/configmaps/b', { method: 'DELETE' });
    const ev = await live;
    expect(ev.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'a'], ['ADDED', 'b'], ['DELETED', 'b']]);
    expect(Number(ev[2].object.metadata.resourceVersion)).toBeGreaterThan(Number(b.metadata.resourceVersion));
  });

  it('resumes after a resourceVersion without replaying older changes', async () => {
    const a = await create('a');
    await create('b');
    const res = await k(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.metadata.resourceVersion}`);
    const ev = await events(res, 1);
    expect(ev.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'b']]);
  });

  it('implements watch-list: initial events, then a bookmark marking their end', async () => {
    await create('a');
    const list = await (await k('/api/v1/namespaces/default/configmaps')).json<any>();
    const res = await k(
      '/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&fieldSelector=metadata.name%3Da',
    );
    const ev = await events(res, 2);
    expect(ev[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    expect(ev[1]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'ConfigMap', apiVersion: 'v1',
        metadata: { resourceVersion: list.metadata.resourceVersion, annotations: { 'k8s.io/initial-events-end': 'true' } },
      },
    });
    const refused = await k('/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true');
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ kind: 'Status', reason: 'Invalid' });
  });

  it('follows label selectors: leaving the selection is a DELETED event', async () => {
    await create('a', { tier: 'web' });
    const res = await k('/api/v1/namespaces/default/configmaps?watch=true&labelSelector=tier%3Dweb');
    const live = events(res, 3);
    await create('other', { tier: 'db' });
    await k('/api/v1/namespaces/default/configmaps/a', {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { metadata: { labels: { tier: 'db' } } },
    });
    await create('c', { tier: 'web' });
    const ev = await live;
    expect(ev.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'a'], ['DELETED', 'a'], ['ADDED', 'c']]);
  });

  it('answers a compacted resourceVersion with an Expired ERROR event', async () => {
    await inCluster(s.id, (instance) => {
      for (let i = 0; i < 6100; i++) {
        instance.store.commit([{ res: '/configmaps', namespace: 'default', name: 'churn', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn', namespace: 'default' }, data: { i: String(i) } } }]);
      }
    });
    const [ev] = await events(await k('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2'), 1);
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(ev.object.message).toMatch(/^too old resource version: 2 \(\d+\)$/);
  });

  it('streams one-row Tables to kubectl get -w', async () => {
    const list = await (await k('/api/v1/namespaces/default/configmaps', { headers: { accept: TABLE_ACCEPT } })).json<any>();
    const res = await k(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { headers: { accept: TABLE_ACCEPT } });
    const live = events(res, 2);
    await create('t1');
    await create('t2');
    const [first, second] = await live;
    expect(first.object.kind).toBe('Table');
    expect(first.object.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(first.object.rows[0].cells.slice(0, 2)).toEqual(['t1', 1]);
    expect(second.object.rows[0].cells[0]).toBe('t2');
  });
});

describe('limits', () => {
  it('refuses objects past the per-cluster cap with 403 and changes nothing', async () => {
    const count = await inCluster(s.id, (instance) => {
      instance.config.maxObjects = instance.store.objectCount + 1;
      return instance.store.objectCount;
    });
    expect((await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: cm('fits') })).status).toBe(201);
    const over = await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: cm('over') });
    expect(over.status).toBe(403);
    expect(await over.json()).toMatchObject({
      reason: 'Forbidden',
      message: `configmaps "over" is forbidden: exceeded the sandbox object limit: this cluster may hold at most ${count + 1} objects`,
    });
    expect((await k('/api/v1/namespaces/default/configmaps/over')).status).toBe(404);
  });
});
