// The live view: its page, its WebSocket (snapshot, then changes) and the read-only viewer tokens.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORIGIN, client, inCluster, settle, signup, type Signup } from './helpers';

const viewerTokens = (s: Signup, token: string, init: RequestInit & { json?: unknown } = {}, path = '') =>
  SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/viewer-tokens${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });

const upgrade = (s: Signup, token?: string) =>
  SELF.fetch(`${s.server}/ui/ws${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`, { headers: { upgrade: 'websocket' } });

/** An accepted socket whose messages are read in order with `next(predicate)`. */
async function open(s: Signup, token: string) {
  const res = await upgrade(s, token);
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const queue: any[] = [];
  const waiters: Array<() => void> = [];
  ws.addEventListener('message', (e) => {
    queue.push(JSON.parse(e.data as string));
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<CloseEvent>((r) => ws.addEventListener('close', (e) => r(e as CloseEvent)));
  ws.accept();
  const next = async (pred: (m: any) => boolean = () => true): Promise<any> => {
    for (;;) {
      const i = queue.findIndex(pred);
      if (i >= 0) return queue.splice(0, i + 1).pop();
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { ws, next, closed };
}

const rc = (replicas: number) => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'web' },
  spec: { replicas, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

describe('live view page', () => {
  it('serves the static page, frameable by any site', async () => {
    const s = await signup();
    const res = await SELF.fetch(`${s.server}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe('frame-ancestors *');
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(await res.text()).toContain('/live.js');
  });

  it('answers a malformed cluster id with a Status', async () => {
    const res = await SELF.fetch(`${ORIGIN}/clusters/NOT-AN-ID/ui`);
    expect(res.status).toBe(404);
    expect((await res.json<any>()).kind).toBe('Status');
  });
});

describe('live view socket', () => {
  it('sends a snapshot on connect and each change after a write, never a Secret', async () => {
    const s = await signup();
    const kube = client(s);
    await settle(s.id);
    expect((await kube('/api/v1/namespaces/default/secrets', { method: 'POST', json: { metadata: { name: 'hush' }, stringData: { pw: 'hunter2' } } })).status).toBe(201);
    const { ws, next } = await open(s, s.token);
    const snap = await next((m) => m.type === 'snapshot');
    expect(snap.items.some((i: any) => i.kind === 'Node')).toBe(true);
    expect(JSON.stringify(snap)).not.toContain('hunter2');
    expect(JSON.stringify(snap)).not.toContain('hush');

    expect((await kube('/api/v1/namespaces/default/replicationcontrollers', { method: 'POST', json: rc(2) })).status).toBe(201);
    const added = await next((m) => m.type === 'changes' && m.changes.some((c: any) => c.item.key === 'ReplicationController/default/web'));
    expect(added.changes.find((c: any) => c.item.key === 'ReplicationController/default/web')).toMatchObject({ op: 'ADDED', item: { kind: 'Controller', type: 'ReplicationController', desired: 2 } });
    await settle(s.id);
    const pods = await next((m) => m.type === 'changes' && m.changes.some((c: any) => c.item.kind === 'Pod' && c.item.owner === 'ReplicationController/web'));
    expect(pods.changes.find((c: any) => c.item.kind === 'Pod').item).toMatchObject({ namespace: 'default', phase: expect.any(String) });

    ws.send('snapshot');
    const again = await next((m) => m.type === 'snapshot');
    expect(again.items.filter((i: any) => i.kind === 'Pod' && i.owner === 'ReplicationController/web')).toHaveLength(2);
    ws.send('what');
    expect(await next((m) => m.type === 'error')).toMatchObject({ message: expect.stringContaining('unknown message') });
    ws.close(1000);
  });

  it('starts the timeline with what history holds from before the page connected', async () => {
    const s = await signup();
    const k = client(s);
    expect((await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'before' } } })).status).toBe(201);
    expect((await k('/api/v1/namespaces/default/configmaps/before', { method: 'DELETE' })).status).toBe(200);
    expect(await inCluster(s.id, (instance) => instance.history.flusher.flush(5000))).toBe(true);
    const { ws, next } = await open(s, s.token);
    const { entries } = await next((m) => m.type === 'timeline');
    const mine = entries.filter((e: any) => e.resource === 'configmaps' && e.name === 'before');
    expect(mine.map((e: any) => e.type)).toEqual(['ADDED', 'DELETED']);
    expect(Object.keys(mine[0]).sort()).toEqual(['name', 'namespace', 'resource', 'time', 'type']);
    ws.close();
  });

  it('refuses a missing, wrong or foreign token before the upgrade', async () => {
    const s = await signup();
    const other = await signup();
    for (const token of [undefined, '', 'nope', other.token]) {
      const res = await upgrade(s, token);
      expect(res.status).toBe(401);
      expect(res.webSocket).toBeNull();
      expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
  });

  it('answers a request that is not a WebSocket upgrade with a Status', async () => {
    const s = await signup();
    const plain = await SELF.fetch(`${s.server}/ui/ws?token=${s.token}`);
    expect(plain.status).toBe(426);
    expect((await plain.json<any>()).reason).toBe('UpgradeRequired');
    const h2c = await SELF.fetch(`${s.server}/ui/ws?token=${s.token}`, { headers: { upgrade: 'h2c' } });
    expect(h2c.status).toBe(426);
  });
});

describe('viewer tokens', () => {
  it('open the live view and nothing else, are listed without tokens, and revoke at once', async () => {
    const s = await signup();
    const created = await viewerTokens(s, s.token, { method: 'POST', json: { name: 'docs' } });
    expect(created.status).toBe(201);
    const v = await created.json<any>();
    expect(v.name).toBe('docs');
    expect(v.embed).toBe(`<iframe src="${s.server}/ui?token=${encodeURIComponent(v.token)}" width="100%" height="600" style="border:0" title="Kubernetes sandbox live view" loading="lazy"></iframe>`);

    // Stored only as a hash.
    const meta = await inCluster(s.id, (_i, state) => JSON.stringify(state.storage.sql.exec('SELECT * FROM meta').toArray()));
    expect(meta).toContain('docs');
    expect(meta).not.toContain(v.token);

    const list = await (await viewerTokens(s, s.token)).json<any>();
    expect(list.viewerTokens).toEqual([{ name: 'docs', createdAt: v.createdAt }]);
    expect(JSON.stringify(list)).not.toContain(v.token);

    const { next, closed } = await open(s, v.token);
    expect((await next()).type).toBe('snapshot');

    // Every other path: 401 (the API's authentication does not know viewer tokens).
    const viewer = client({ ...s, token: v.token });
    expect((await viewer('/api/v1/namespaces/default/pods')).status).toBe(401);
    expect((await viewer('/api/v1/namespaces/default/secrets')).status).toBe(401);
    expect((await viewer('/api/v1/namespaces/default/pods', { method: 'POST', json: { metadata: { name: 'x' } } })).status).toBe(401);
    expect((await viewerTokens(s, v.token)).status).toBe(401);
    expect((await viewerTokens(s, v.token, { method: 'POST', json: {} })).status).toBe(401);
    expect((await SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/history/revisions`, { headers: { authorization: `Bearer ${v.token}` } })).status).toBe(401);

    // Revoking ends its open sockets and refuses new ones.
    const revoked = await viewerTokens(s, s.token, { method: 'DELETE' }, '/docs');
    expect(revoked.status).toBe(200);
    expect((await closed).code).toBe(4001);
    expect((await upgrade(s, v.token)).status).toBe(401);
    expect((await (await viewerTokens(s, s.token)).json<any>()).viewerTokens).toEqual([]);
  });

  it('names itself when no name is given', async () => {
    const s = await signup();
    const res = await viewerTokens(s, s.token, { method: 'POST' });
    expect(res.status).toBe(201);
    expect((await res.json<any>()).name).toMatch(/^viewer-[0-9a-f]{8}$/);
  });

  it('rejects malformed requests with a Status', async () => {
    const s = await signup();
    const cases: Array<[RequestInit & { json?: unknown }, string, number, string]> = [
      [{ method: 'POST', body: '{not json' }, '', 400, 'BadRequest'],
      [{ method: 'POST', json: [] }, '', 400, 'BadRequest'],
      [{ method: 'POST', json: { name: 'Not_A_Label' } }, '', 400, 'BadRequest'],
      [{ method: 'POST', json: { name: 7 } }, '', 400, 'BadRequest'],
      [{ method: 'PUT', json: {} }, '', 405, 'MethodNotAllowed'],
      [{ method: 'GET' }, '/docs', 405, 'MethodNotAllowed'],
      [{ method: 'DELETE' }, '/missing', 404, 'NotFound'],
      [{ method: 'DELETE' }, '/%E0%A4%A', 400, 'BadRequest'],
    ];
    for (const [init, path, code, reason] of cases) {
      const res = await viewerTokens(s, s.token, init, path);
      expect(res.status, `${init.method} ${path}`).toBe(code);
      expect(await res.json()).toMatchObject({ kind: 'Status', reason, code });
    }
    expect((await viewerTokens(s, s.token, { method: 'POST', json: { name: 'a' } })).status).toBe(201);
    expect((await viewerTokens(s, s.token, { method: 'POST', json: { name: 'a' } })).status).toBe(409);
  });

  it('are the owner’s alone, and never work on another cluster', async () => {
    const s = await signup();
    const other = await signup();
    const users = await SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alice' }),
    });
    const alice = await users.json<any>();
    expect((await viewerTokens(s, alice.token, { method: 'POST', json: {} })).status).toBe(403);
    const v = await (await viewerTokens(s, s.token, { method: 'POST', json: {} })).json<any>();
    expect((await upgrade(other, v.token)).status).toBe(401);
  });
});
