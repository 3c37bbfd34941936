// Cluster lifecycle (ttl, extend, delete, expiry, presets, reset) and the sandbox's limits (caps, rate limits).
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import app from '../../src/index';
import { ORIGIN, client, inCluster, settle, signup, type Signup } from './helpers';

const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  SELF.fetch(`${ORIGIN}${path}`, { method: 'POST', headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });

async function signupWith(body: unknown): Promise<Signup & { preset: string }> {
  const res = await post('/v1/clusters', body);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

/** The owner's lifecycle endpoint of a cluster. */
const owner = (s: Signup, path = '', init: RequestInit = {}) =>
  SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}${path}`, { ...init, headers: { authorization: `Bearer ${s.token}`, ...init.headers } });

const storageTables = (id: string) =>
  inCluster(id, (_i, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE name NOT LIKE '_cf_%'`).toArray());

describe('sign-up options', () => {
  it('takes a ttl as a duration or seconds, within bounds', async () => {
    const before = Date.now();
    const a = await signupWith({ ttl: '2h' });
    expect(Date.parse(a.expiresAt) - before).toBeGreaterThanOrEqual(2 * 3600_000 - 1000);
    expect(Date.parse(a.expiresAt) - before).toBeLessThan(2 * 3600_000 + 60_000);
    const b = await signupWith({ ttl: 3600 });
    expect(Date.parse(b.expiresAt) - before).toBeLessThan(3600_000 + 60_000);
    const row = await env.DB.prepare('SELECT expires_at, deleted_at FROM clusters WHERE id = ?').bind(a.id).first<any>();
    expect(row).toEqual({ expires_at: Date.parse(a.expiresAt), deleted_at: null });
  });

  it('rejects malformed sign-up bodies with a 400 Status and creates nothing', async () => {
    const count = async () => (await env.DB.prepare('SELECT COUNT(*) AS n FROM clusters').first<{ n: number }>())!.n;
    const n = await count();
    const cases: [unknown, RegExp][] = [
      ['{not json', /JSON object/],
      ['[1]', /JSON object/],
      [{ ttl: '8d' }, /at most 604800s/],
      [{ ttl: 10 }, /at least 300s/],
      [{ ttl: '2 hours' }, /duration/],
      [{ ttl: -5 }, /positive/],
      [{ ttl: 1.5 }, /positive whole/],
      [{ ttl: null }, /duration/],
      [{ preset: 'wordpress' }, /unknown preset "wordpress": valid presets are "empty", "guestbook"/],
      [{ preset: 7 }, /unknown preset 7/],
      [{ size: 'xl' }, /unknown field "size"/],
    ];
    for (const [body, message] of cases) {
      const res = await post('/v1/clusters', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const status = await res.json<any>();
      expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
      expect(status.message).toMatch(message);
    }
    expect(await count()).toBe(n);
  });
});

describe('cluster info, extend and delete', () => {
  it('shows lifetime, caps and usage to the owner only', async () => {
    const s = await signup();
    const res = await owner(s);
    expect(res.status).toBe(200);
    const info = await res.json<any>();
    expect(info).toMatchObject({ id: s.id, expiresAt: s.expiresAt, preset: 'empty' });
    expect(info.caps).toEqual({ objects: 10000, bytes: 67108864, nodes: 20, pods: 1000, watches: 50, watchSeconds: 1800, requestsPerSecond: 1000000, burst: 1000000 });
    expect(info.usage).toMatchObject({ nodes: 3, pods: 0, watches: 0 });
    expect(info.usage.objects).toBeGreaterThan(10);
    expect(info.usage.bytes).toBeGreaterThan(1000);
    // A named user (not the owner) is refused; so is a wrong token.
    const user = await (await owner(s, '/users', { method: 'POST', body: JSON.stringify({ name: 'alice' }) })).json<any>();
    expect((await owner({ ...s, token: user.token })).status).toBe(403);
    expect((await owner({ ...s, token: 'nope' })).status).toBe(401);
    expect((await owner(s, '', { method: 'PUT' })).status).toBe(405);
  });

  it('extends the expiry from now, within the bounds', async () => {
    const s = await signupWith({ ttl: '1h' });
    const before = Date.now();
    const res = await owner(s, '/extend', { method: 'POST', body: JSON.stringify({ ttl: '3d' }) });
    expect(res.status).toBe(200);
    const info = await res.json<any>();
    expect(Date.parse(info.expiresAt) - before).toBeGreaterThanOrEqual(3 * 86400_000 - 1000);
    const row = await env.DB.prepare('SELECT expires_at FROM clusters WHERE id = ?').bind(s.id).first<any>();
    expect(row.expires_at).toBe(Date.parse(info.expiresAt));
    for (const body of ['{', JSON.stringify({ ttl: '30d' }), JSON.stringify({ ttl: 'soon' }), JSON.stringify({ until: 1 })]) {
      const bad = await owner(s, '/extend', { method: 'POST', body });
      expect(bad.status, body).toBe(400);
      expect(await bad.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    }
    expect((await (await owner(s)).json<any>()).expiresAt).toBe(info.expiresAt);
    expect((await owner(s, '/extend', { method: 'GET' })).status).toBe(405);
  });

  it('deletes a cluster at once: storage wiped, 404 afterwards, never re-created', async () => {
    const s = await signup();
    const k = client(s);
    expect((await k('/api/v1/namespaces')).status).toBe(200);
    const del = await owner(s, '', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(await storageTables(s.id)).toEqual([]);
    expect(await inCluster(s.id, (_i, state) => state.storage.getAlarm())).toBeNull();
    for (const r of [await k('/api/v1/namespaces'), await owner(s), await owner(s, '/reset', { method: 'POST' })]) {
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: `cluster "${s.id}" not found`, code: 404 });
    }
    expect(await storageTables(s.id)).toEqual([]);
    const row = await env.DB.prepare('SELECT deleted_at FROM clusters WHERE id = ?').bind(s.id).first<any>();
    expect(row.deleted_at).toBeGreaterThan(0);
  });

  it('expires: the alarm wipes the cluster, which then answers 410 Gone', async () => {
    const s = await signup();
    const other = await signup();
    // Test-only: move the expiry into the past inside the Durable Object (no API can).
    await inCluster(s.id, (instance) => void (instance.config.expiresAt = Date.now() - 1));
    await settle(s.id);
    expect(await storageTables(s.id)).toEqual([]);
    const res = await client(s)('/api/v1/namespaces');
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'Gone', message: `cluster "${s.id}" has expired`, code: 410 });
    expect((await owner(s)).status).toBe(410);
    expect(await storageTables(s.id)).toEqual([]);
    // Another tenant is untouched.
    expect((await client(other)('/api/v1/namespaces')).status).toBe(200);
  });

  it('expires on the first request after the expiry too (before any alarm)', async () => {
    const s = await signup();
    await inCluster(s.id, (instance) => void (instance.config.expiresAt = Date.now() - 1));
    expect((await client(s)('/api/v1/pods')).status).toBe(410);
    expect(await storageTables(s.id)).toEqual([]);
  });
});

describe('caps', () => {
  it('refuses a pod, node or any object over its cap with a 403 naming it; updates and deletes still work', async () => {
    const s = await signup();
    const k = client(s);
    await inCluster(s.id, (instance) => void Object.assign(instance.config.caps, { pods: 1, nodes: 3 }));
    const pod = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    expect((await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod('a') })).status).toBe(201);
    const over = await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod('b') });
    expect(over.status).toBe(403);
    expect(await over.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, message: 'pods "b" is forbidden: exceeded the sandbox pod limit: this cluster may hold at most 1 pods' });
    const node = await k('/api/v1/nodes', { method: 'POST', json: { metadata: { name: 'node-9' } } });
    expect(node.status).toBe(403);
    expect((await node.json<any>()).message).toMatch(/sandbox node limit: this cluster may hold at most 3 nodes/);
    expect((await k('/api/v1/namespaces/default/pods/a', { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { metadata: { labels: { x: 'y' } } } })).status).toBe(200);
    expect((await k('/api/v1/namespaces/default/pods/a?gracePeriodSeconds=0', { method: 'DELETE' })).status).toBe(200);
    // Stored bytes: the usage counts every commit; a cluster at its cap refuses creates.
    const info = await (await owner(s)).json<any>();
    await inCluster(s.id, (instance) => void (instance.config.caps.bytes = info.usage.bytes));
    const cm = await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'x' } } });
    expect(cm.status).toBe(403);
    expect((await cm.json<any>()).message).toMatch(/exceeded the sandbox storage limit: this cluster may store at most \d+ bytes/);
    // The running count matches a recount of the store.
    const counted = await inCluster(s.id, (instance) => {
      let bytes = 0;
      for (const r of instance.store.resources()) for (const e of instance.store.entries(r)) bytes += e.json.length;
      return { bytes, tracked: instance.store.bytes };
    });
    expect(counted.tracked).toBe(counted.bytes);
  });

  it('refuses the watch over the concurrent-watch cap with a 429 and Retry-After', async () => {
    const s = await signup();
    const k = client(s);
    await inCluster(s.id, (instance) => void (instance.config.caps.watches = 2));
    const open = [await k('/api/v1/pods?watch=true'), await k('/api/v1/nodes?watch=true')];
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const third = await k('/api/v1/services?watch=true');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await third.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 1 } });
    for (const r of open) await r.body!.cancel();
    await inCluster(s.id, () => undefined);
    expect((await k('/api/v1/services?watch=true&timeoutSeconds=1')).status).toBe(200);
  });

  it('ends a watch after the watch lifetime cap', async () => {
    const s = await signup();
    await inCluster(s.id, (instance) => void (instance.config.caps.watchSeconds = 1));
    const res = await client(s)('/api/v1/namespaces?watch=true');
    expect(res.status).toBe(200);
    const text = await res.text(); // ends by itself, after a second
    expect(text).toContain('"type":"ADDED"');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After over a client address\'s rate, without touching other clusters or addresses', async () => {
    const s = await signup();
    const other = await signup();
    await inCluster(s.id, (instance) => void Object.assign(instance.config.caps, { rps: 0.01, burst: 3 }));
    const k = client(s);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await k('/api/v1/namespaces')).status);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await k('/api/v1/namespaces');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const status = await limited.json<any>();
    expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429 });
    expect(status.details.retryAfterSeconds).toBe(Number(limited.headers.get('retry-after')));
    expect((await client(other)('/api/v1/namespaces')).status).toBe(200);
    // The budget is per client address: another address still reaches the same cluster.
    expect((await k('/api/v1/namespaces', { headers: { 'cf-connecting-ip': '198.51.100.23' } })).status).toBe(200);
  });

  it('limits sign-ups per client address: a flood gets 429s, another address still signs up', async () => {
    const low = { ...env, SIGNUP_RATE_PER_MINUTE: '1', SIGNUP_BURST: '2' };
    const from = (ip: string, body?: string) =>
      app.fetch(new Request(`${ORIGIN}/v1/clusters`, { method: 'POST', headers: { 'cf-connecting-ip': ip }, body }), low);
    const flood = [];
    for (let i = 0; i < 4; i++) flood.push(await from('198.51.100.7', i === 3 ? '{bad' : undefined));
    expect(flood.map((r) => r.status)).toEqual([201, 201, 429, 429]);
    const limited = flood[3];
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: Number(limited.headers.get('retry-after')) } });
    expect((await from('198.51.100.8')).status).toBe(201);
    // Behind a proxy the first X-Forwarded-For hop is the client.
    const xff = (v: string) => app.fetch(new Request(`${ORIGIN}/v1/clusters`, { method: 'POST', headers: { 'x-forwarded-for': v } }), low);
    expect([(await xff('192.0.2.1, 10.0.0.1')).status, (await xff('192.0.2.1')).status, (await xff('192.0.2.1')).status]).toEqual([201, 201, 429]);
  });
});

describe('presets and reset', () => {
  it('signs up with the guestbook, and reset brings back what was deleted, keeping id, token and expiry', async () => {
    const s = await signupWith({ preset: 'guestbook', ttl: '2h' });
    expect(s.preset).toBe('guestbook');
    const k = client(s);
    const names = async (path: string) => (await (await k(path)).json<any>()).items.map((o: any) => o.metadata.name);
    expect(await names('/api/v1/namespaces/default/replicationcontrollers')).toEqual(['frontend', 'redis-master', 'redis-slave']);
    expect(await names('/api/v1/namespaces/default/services')).toEqual(['frontend', 'kubernetes', 'redis-master', 'redis-slave']);
    await settle(s.id);
    expect((await names('/api/v1/namespaces/default/pods')).length).toBe(6);
    expect((await k('/api/v1/namespaces/default/replicationcontrollers/frontend', { method: 'DELETE' })).status).toBe(200);
    expect((await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'mine' } } })).status).toBe(201);

    const res = await owner(s, '/reset', { method: 'POST' });
    expect(res.status).toBe(200);
    const info = await res.json<any>();
    expect(info).toMatchObject({ id: s.id, preset: 'guestbook', expiresAt: s.expiresAt });
    expect(await names('/api/v1/namespaces/default/replicationcontrollers')).toEqual(['frontend', 'redis-master', 'redis-slave']);
    expect((await k('/api/v1/namespaces/default/configmaps/mine')).status).toBe(404);
    await settle(s.id);
    expect((await names('/api/v1/namespaces/default/pods')).length).toBe(6);
    // Malformed reset bodies change nothing.
    for (const body of ['{', '{"preset":"empty"}']) expect((await owner(s, '/reset', { method: 'POST', body })).status).toBe(400);
    expect((await owner(s, '/reset', { method: 'GET' })).status).toBe(405);
  });

  it('empty is the plain bootstrap', async () => {
    const s = await signupWith({ preset: 'empty' });
    const rcs = await (await client(s)('/api/v1/replicationcontrollers')).json<any>();
    expect(rcs.items).toEqual([]);
  });
});
