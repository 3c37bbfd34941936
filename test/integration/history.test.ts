// History in D1: revisions of every write (Secrets redacted), audit records, time travel, and an API that
// keeps working whatever D1 does.
import { SELF, env, runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORIGIN, clock, inCluster, jsonCalls, settle, signup, usePausedCluster, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});
const { get, post, patch } = jsonCalls(() => k);

/** GET on the sandbox API of a cluster. */
const sandbox = (path: string, init: RequestInit = {}, who = s) =>
  SELF.fetch(`${ORIGIN}/v1/clusters/${who.id}${path}`, { ...init, headers: { authorization: `Bearer ${who.token}`, ...init.headers } });
async function history(path: string, status = 200): Promise<any> {
  const r = await sandbox(path);
  expect(r.status, `${path}: ${await r.clone().text()}`).toBe(status);
  return r.json();
}
const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

/** What the alarm runs, once; true if an alarm was due. */
const runAlarm = (id: string) => {
  const ns = env.CLUSTER as unknown as DurableObjectNamespace;
  return (runDurableObjectAlarm as unknown as (stub: DurableObjectStub) => Promise<boolean>)(ns.get(ns.idFromName(id)));
};

/** How the D1 stand-in installed by useD1 behaves: pass through, fail every batch, or never answer. */
let d1Mode: 'ok' | 'fail' | 'hang' = 'ok';
let batchCalled: (() => void) | undefined;

/** Replaces the cluster's D1 binding by one whose batch writes obey d1Mode (reads pass through). */
function useD1(id: string) {
  return inCluster(id, (instance) => {
    const real: D1Database = instance.env.DB;
    const db = {
      prepare: (q: string) => real.prepare(q),
      batch: (statements: D1PreparedStatement[]) => {
        batchCalled?.();
        if (d1Mode === 'fail') return Promise.reject(new Error('D1_ERROR: simulated outage'));
        if (d1Mode === 'hang') return new Promise(() => undefined);
        return real.batch(statements);
      },
    };
    instance.env = { ...instance.env, DB: db };
  });
}

async function rows(table: 'revisions' | 'audit', id = s.id): Promise<Record<string, unknown>[]> {
  return (await env.DB.prepare(`SELECT * FROM ${table} WHERE cluster_id = ?`).bind(id).all()).results;
}

describe('history of objects', () => {
  it('records create, update and delete, lists them with filters and pages, and diffs each revision', async () => {
    const created = await post('/api/v1/namespaces/default/configmaps', cm('app', { color: 'blue' }));
    await clock(s, { action: 'advance', seconds: 10 });
    const updated = await patch('/api/v1/namespaces/default/configmaps/app', { data: { color: 'green', size: 'L' } });
    await clock(s, { action: 'advance', seconds: 10 });
    expect((await k('/api/v1/namespaces/default/configmaps/app', { method: 'DELETE' })).status).toBe(200);

    const list = await history('/history?resource=configmaps&namespace=default&name=app');
    expect(list.kind).toBe('HistoryList');
    expect(list.items.map((i: any) => i.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(list.items[0]).toMatchObject({ resourceVersion: created.metadata.resourceVersion, resource: 'configmaps', namespace: 'default', name: 'app' });
    expect(list.items[1].resourceVersion).toBe(updated.metadata.resourceVersion);
    expect(Date.parse(list.items[1].time) - Date.parse(list.items[0].time)).toBe(10_000);
    expect(list.metadata).toMatchObject({ pending: expect.any(Number), dropped: { revisions: 0, audit: 0 } });
    expect((await history('/history?resource=configmaps&name=app&verb=patch')).items.map((i: any) => i.type)).toEqual(['MODIFIED']);
    expect((await history(`/history?resource=configmaps&name=app&since=${list.items[1].time}`)).items).toHaveLength(2);
    expect((await history(`/history?resource=configmaps&name=app&until=${list.items[0].time}`)).items).toHaveLength(1);
    // The control plane's writes are there too (the namespace controller's service account, say).
    expect((await history('/history?resource=serviceaccounts&namespace=default&name=default')).items[0].type).toBe('ADDED');

    const one = await history('/history/configmaps/default/app');
    expect(one).toMatchObject({ kind: 'ObjectHistory', resource: 'configmaps', namespace: 'default', name: 'app' });
    expect(one.items[0].diff).toBeUndefined();
    expect(one.items[0].object.data).toEqual({ color: 'blue' });
    expect(one.items[1].diff).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/metadata/resourceVersion', from: created.metadata.resourceVersion, value: updated.metadata.resourceVersion },
        { op: 'replace', path: '/data/color', from: 'blue', value: 'green' },
        { op: 'add', path: '/data/size', value: 'L' },
      ]),
    );
    expect(one.items[1].diff.some((d: any) => d.path.startsWith('/metadata/managedFields'))).toBe(false);
    // A deletion keeps the last state.
    expect(one.items[2]).toMatchObject({ type: 'DELETED', object: { data: { color: 'green', size: 'L' } } });
  });

  it('pages through revisions with limit and continue, each exactly once, diffs continuing across pages', async () => {
    await post('/api/v1/namespaces/default/configmaps', cm('paged', { n: '0' }));
    for (let i = 1; i <= 4; i++) await patch('/api/v1/namespaces/default/configmaps/paged', { data: { n: String(i) } });
    const seen: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const page = await history(`/history?resource=configmaps&name=paged&limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      seen.push(...page.items.map((i: any) => i.resourceVersion));
      cont = page.metadata.continue ?? '';
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);

    const first = await history('/history/configmaps/default/paged?limit=3');
    const second = await history(`/history/configmaps/default/paged?limit=3&continue=${encodeURIComponent(first.metadata.continue)}`);
    expect(second.items.map((i: any) => i.object.data.n)).toEqual(['3', '4']);
    expect(second.items[0].diff).toContainEqual({ op: 'replace', path: '/data/n', from: '2', value: '3' });
    expect(second.metadata.continue).toBeUndefined();
  });

  it('answers asOf a time or a resourceVersion with the object as it was, and 404 when it did not exist', async () => {
    const before = (await clock(s, { action: 'advance', seconds: 1 })).now;
    await clock(s, { action: 'advance', seconds: 5 });
    const v1 = await post('/api/v1/namespaces/default/configmaps', cm('tt', { v: '1' }));
    const t1 = (await clock(s, { action: 'advance', seconds: 5 })).now;
    await clock(s, { action: 'advance', seconds: 5 });
    const v2 = await patch('/api/v1/namespaces/default/configmaps/tt', { data: { v: '2' } });
    await clock(s, { action: 'advance', seconds: 5 });
    await k('/api/v1/namespaces/default/configmaps/tt', { method: 'DELETE' });
    const after = (await clock(s, { action: 'advance', seconds: 5 })).now;

    expect((await history(`/history/configmaps/default/tt?asOf=${t1}`)).data).toEqual({ v: '1' });
    expect((await history(`/history/configmaps/default/tt?asOf=${v1.metadata.resourceVersion}`)).data).toEqual({ v: '1' });
    const asOfV2 = await history(`/history/configmaps/default/tt?asOf=${v2.metadata.resourceVersion}`);
    expect(asOfV2).toMatchObject({ kind: 'ConfigMap', data: { v: '2' }, metadata: { resourceVersion: v2.metadata.resourceVersion } });
    const missing = await history(`/history/configmaps/default/tt?asOf=${before}`, 404);
    expect(missing).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    expect(missing.message).toBe(`configmaps "tt" in namespace "default" did not exist at ${before}`);
    expect((await history(`/history/configmaps/default/tt?asOf=${after}`, 404)).message).toMatch(/did not exist/);
    expect((await history('/history/configmaps/default/never-made', 404)).message).toBe('configmaps "never-made" in namespace "default" has no recorded history');
  });

  it('serves cluster-scoped objects under the namespace _', async () => {
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    const h = await history('/history/namespaces/_/team-a');
    expect(h.items[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'team-a' } } });
    expect(h.namespace).toBe('');
  });

  it('keeps Events deleted by their TTL in history, with their last state', async () => {
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'hello.1' },
      involvedObject: { kind: 'Pod', name: 'hello', namespace: 'default' },
      reason: 'Tutorial',
      message: 'remember me',
      type: 'Normal',
      count: 1,
    };
    await post('/api/v1/namespaces/default/events', event);
    await clock(s, { action: 'advance', seconds: 2 * 3600 });
    await settle(s.id);
    expect((await k('/api/v1/namespaces/default/events/hello.1')).status).toBe(404);
    const h = await history('/history/events/default/hello.1');
    expect(h.items.map((i: any) => i.type)).toEqual(['ADDED', 'DELETED']);
    expect(h.items[1].object).toMatchObject({ reason: 'Tutorial', message: 'remember me' });
    expect((await history(`/history/events/default/hello.1?asOf=${h.items[0].resourceVersion}`)).message).toBe('remember me');
  });

  it('never lets a Secret value reach D1, also not through the last-applied annotation of kubectl apply', async () => {
    const plain = 'hunter2-correct-horse';
    const encoded = btoa(plain);
    const manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, stringData: { password: plain } };
    const secret = {
      ...manifest,
      metadata: { name: 'db', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(manifest) } },
    };
    await post('/api/v1/namespaces/default/secrets', secret);
    await patch('/api/v1/namespaces/default/secrets/db', { data: { token: btoa(`${plain}-2`) } });
    await k('/api/v1/namespaces/default/secrets/db', { method: 'DELETE' });
    const h = await history('/history/secrets/default/db');
    expect(h.items.map((i: any) => i.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(h.items[0].object.data).toEqual({ password: `<redacted: ${encoded.length} bytes>` });
    expect(h.items[1].object.data.token).toMatch(/^<redacted: \d+ bytes>$/);

    const everything = JSON.stringify([await rows('revisions'), await rows('audit')]);
    expect(everything).toContain('"name":"db"');
    for (const leak of [plain, encoded, btoa(`${plain}-2`), 'hunter2']) expect(everything).not.toContain(leak);
  });

  it('prunes each cluster to its newest records', async () => {
    await inCluster(s.id, (instance) => void (instance.history.flusher.retain = { revisions: 5, audit: 3 }));
    for (let i = 0; i < 4; i++) await post('/api/v1/namespaces/default/configmaps', cm(`p${i}`, {}));
    await history('/history');
    expect((await rows('revisions')).length).toBe(5);
    expect((await rows('audit')).length).toBe(3);
    const newest = (await history('/history?resource=configmaps')).items.map((i: any) => i.name);
    expect(newest).toContain('p3');
  });

  it('keeps one tenant out of another tenant\'s history', async () => {
    await post('/api/v1/namespaces/default/configmaps', cm('mine-only', {}));
    const other = await signup();
    expect((await history('/history?name=mine-only')).items).toHaveLength(1);
    const theirs: any = await (await sandbox('/history?name=mine-only', {}, other)).json();
    expect(theirs.items).toEqual([]);
    const crossed = await sandbox('/history', { headers: { authorization: `Bearer ${other.token}` } });
    expect(crossed.status).toBe(401);
    expect(await rows('revisions', other.id)).not.toContainEqual(expect.objectContaining({ name: 'mine-only' }));
  });
});

describe('audit records', () => {
  it('records user, verb, resource, code, latency and user agent of every Kubernetes API request', async () => {
    await post('/api/v1/namespaces/default/configmaps', cm('a1', {}));
    await k('/api/v1/namespaces/default/configmaps/nope', { headers: { 'user-agent': 'curl/8.5.0' } });
    await k('/api/v1/namespaces/default/configmaps?watch=false');
    await k('/version');
    await SELF.fetch(`${s.server}/api/v1/pods`, { headers: { authorization: 'Bearer wrong' } });

    const all = (await history('/audit')).items;
    expect(all.find((a: any) => a.verb === 'create' && a.resource === 'configmaps')).toMatchObject({
      user: 'sandbox-user', namespace: 'default', code: 201, latencyMs: expect.any(Number), time: expect.any(String),
    });
    expect(all.find((a: any) => a.name === 'nope')).toMatchObject({ verb: 'get', code: 404, userAgent: 'curl/8.5.0' });
    expect(all.find((a: any) => a.verb === 'list')).toMatchObject({ resource: 'configmaps', code: 200 });
    expect(all.find((a: any) => a.path === '/version')).toMatchObject({ verb: 'get', resource: '' });
    expect(all.find((a: any) => a.code === 401)).toMatchObject({ user: '', verb: 'list', resource: 'pods' });
    // The sandbox API itself (this history, the clock) is not a Kubernetes API request.
    expect(all.some((a: any) => a.path.includes('history') || a.path.includes('clock'))).toBe(false);
    expect(JSON.stringify(all)).not.toContain(s.token);

    const created = await history('/audit?verb=create&user=sandbox-user&resource=configmaps');
    expect(created.items).toHaveLength(1);
    const page1 = await history('/audit?limit=2');
    const page2 = await history(`/audit?limit=2&continue=${encodeURIComponent(page1.metadata.continue)}`);
    expect(page2.items[0]).toEqual(all[2]);
  });
});

describe('the history API', () => {
  it('answers malformed requests with a 400 Status and unknown paths or methods with 404 / 405', async () => {
    for (const path of [
      '/history?limit=abc',
      '/history?verb=get',
      '/history?since=not-a-time',
      '/history?continue=%%%',
      '/history?colour=blue',
      '/audit?verb=explode',
      '/history/Deployments!/default/x',
      '/history/configmaps/default/x?asOf=yesterday',
      '/history/configmaps/%zz/x',
    ]) {
      const r = await history(path, 400);
      expect(r, path).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    }
    expect((await history('/history/configmaps/default', 404)).reason).toBe('NotFound');
    expect((await sandbox('/history', { method: 'POST' })).status).toBe(405);
  });
});

describe('when D1 fails or is slow', () => {
  it('keeps the API working, counts what it buffers and drops, answers 503, and catches up when D1 is back', async () => {
    await history('/history'); // everything so far is written
    await useD1(s.id);
    d1Mode = 'fail';
    try {
      // A small buffer, to see drops: 5 records.
      await inCluster(s.id, (instance) => void (instance.history.buffer.limits = { records: 5, bytes: 1e9 }));
      await post('/api/v1/namespaces/default/configmaps', cm('during-outage', { ok: 'yes' }));
      expect((await get('/api/v1/namespaces/default/configmaps/during-outage')).data).toEqual({ ok: 'yes' });
      await runAlarm(s.id);
      const status = await history('/history/status');
      expect(status).toMatchObject({ lastError: 'D1_ERROR: simulated outage', retryAt: expect.any(String) });
      expect(status.failures).toBeGreaterThan(0);
      expect(status.pending).toBeGreaterThan(0);

      const down = await history('/history', 503);
      expect(down).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
      expect(down.message).toMatch(/the history store is unavailable \(D1_ERROR: simulated outage\); \d+ records are buffered.*The Kubernetes API is not affected/);

      for (let i = 0; i < 5; i++) await post('/api/v1/namespaces/default/configmaps', cm(`burst-${i}`, {}));
      const full = await history('/history/status');
      expect(full.pending).toBe(5);
      expect(full.dropped.audit + full.dropped.revisions).toBeGreaterThan(0);

      d1Mode = 'ok';
      const back = await history('/history?resource=configmaps');
      // The newest clients' writes survived the overflow (audit records and older ones went first).
      expect(back.items.map((i: any) => i.name)).toContain('burst-4');
      expect(back.metadata.dropped).toEqual(full.dropped);
      expect((await history('/history/status')).failures).toBe(0);
    } finally {
      d1Mode = 'ok';
    }
  });

  it('never makes a request wait for a D1 write: the flush runs in the alarm and gives up after its budget', async () => {
    await history('/history');
    await useD1(s.id);
    d1Mode = 'hang';
    try {
      const entered = new Promise<void>((resolve) => (batchCalled = resolve));
      await post('/api/v1/namespaces/default/configmaps', cm('before-alarm', {}));
      // The alarm (this one, or the one the write armed if it fired first) flushes: and waits on a D1 that never answers.
      const alarm = runAlarm(s.id);
      await entered;
      // Requests are served meanwhile.
      await post('/api/v1/namespaces/default/configmaps', cm('while-flushing', {}));
      expect((await get('/api/v1/namespaces/default/configmaps')).items.map((c: any) => c.metadata.name)).toContain('while-flushing');
      // The history API waits for the flush to give up, tries itself within its budget, and answers 503.
      const down = await history('/history', 503);
      expect(down.message).toMatch(/D1 did not answer within \d+ ms/);
      d1Mode = 'ok';
      await alarm;
      const names = (await history('/history?resource=configmaps')).items.map((i: any) => i.name);
      expect(names).toEqual(expect.arrayContaining(['before-alarm', 'while-flushing']));
    } finally {
      d1Mode = 'ok';
      batchCalled = undefined;
    }
  }, 20_000); // the flushes wait out their budgets (2 s in the alarm, 3 s for the history API)
});
