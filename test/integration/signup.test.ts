import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ORIGIN, client, inCluster, signup } from './helpers';
import { Store } from '../../src/durable/store';

describe('sign-up and tenancy', () => {
  it('creates a cluster with a one-time token and a kubeconfig', async () => {
    const s = await signup();
    expect(s.id).toMatch(/^[a-z2-7]{16}$/);
    expect(s.server).toBe(`${ORIGIN}/clusters/${s.id}`);
    expect(s.token.length).toBeGreaterThanOrEqual(40);
    const kc = parse(s.kubeconfig);
    expect(kc.clusters[0].cluster).toEqual({ server: s.server, 'insecure-skip-tls-verify': true });
    expect(kc.users[0].user.token).toBe(s.token);
    expect(kc['current-context']).toBe(`sandbox-${s.id}`);
  });

  it('keeps only a hash of the token in D1 and in the Durable Object', async () => {
    const s = await signup();
    const row = await env.DB.prepare('SELECT token_hash FROM clusters WHERE id = ?').bind(s.id).first<{ token_hash: string }>();
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.token_hash).not.toContain(s.token);
    const dump = await inCluster(s.id, (_i, state) =>
      JSON.stringify(state.storage.sql.exec('SELECT * FROM meta').toArray()),
    );
    expect(dump).not.toContain(s.token);
    expect(dump).toContain(row!.token_hash);
  });

  it('answers the kubeconfig itself for Accept: application/yaml and ?format=kubeconfig', async () => {
    for (const init of [{ headers: { accept: 'application/yaml' } }, {}]) {
      const url = init.headers ? `${ORIGIN}/v1/clusters` : `${ORIGIN}/v1/clusters?format=kubeconfig`;
      const res = await SELF.fetch(url, { method: 'POST', ...init });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe('application/yaml');
      const kc = parse(await res.text());
      expect(kc.kind).toBe('Config');
      expect(kc.users[0].user.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('rejects missing and wrong tokens with a 401 Status, and a token of another cluster', async () => {
    const a = await signup();
    const b = await signup();
    const none = await SELF.fetch(`${a.server}/api/v1/namespaces`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const wrong = await client({ ...a, token: 'nope' })('/api/v1/namespaces');
    expect(wrong.status).toBe(401);
    const crossed = await client({ ...a, token: b.token })('/api/v1/namespaces');
    expect(crossed.status).toBe(401);
    expect((await client(a)('/api/v1/namespaces')).status).toBe(200);
  });

  it('answers 404 for unknown clusters without creating Durable Object state', async () => {
    for (const id of ['aaaaaaaaaaaaaaaa', 'not-a-cluster-id']) {
      const res = await SELF.fetch(`${ORIGIN}/clusters/${id}/api/v1/namespaces`, { headers: { authorization: 'Bearer x' } });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: `cluster "${id}" not found` });
    }
    const tables = await inCluster('aaaaaaaaaaaaaaaa', (_i, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master`).toArray());
    expect(tables.filter((t) => !String(t.name).startsWith('_cf_'))).toEqual([]);
  });
});

describe('secrets at rest', () => {
  it('stores Secret objects encrypted and serves them decrypted', async () => {
    const s = await signup();
    const k = client(s);
    const created = await k('/api/v1/namespaces/default/secrets', { method: 'POST', json: { metadata: { name: 'db' }, stringData: { password: 'hunter2-very-secret' } } });
    expect(created.status).toBe(201);
    const got = await (await k('/api/v1/namespaces/default/secrets/db')).json<any>();
    expect(got.data.password).toBe(btoa('hunter2-very-secret'));
    const rows = await inCluster(s.id, (_i, state) =>
      JSON.stringify(state.storage.sql.exec(`SELECT json FROM objects WHERE res = '/secrets' UNION ALL SELECT json FROM changes WHERE res = '/secrets'`).toArray()),
    );
    expect(rows).toContain('enc:v1:');
    expect(rows).not.toContain(btoa('hunter2-very-secret'));
    expect(rows).not.toContain('"db"');
    // A restarted object reloads and decrypts what it stored.
    const reloaded = await inCluster(s.id, (instance, state) => {
      const store = Store.open(state.storage, instance.cipher);
      return { secret: store.get('/secrets', 'default', 'db')?.obj, rv: store.rv, count: store.objectCount, live: instance.store.rv };
    });
    expect(reloaded.secret?.data.password).toBe(btoa('hunter2-very-secret'));
    expect(reloaded.rv).toBe(reloaded.live);
    expect(reloaded.count).toBeGreaterThan(10);
    // The revision survives a restart whatever the last write was (here a delete), so no rv is handed out twice.
    expect((await k('/api/v1/namespaces/default/secrets/db', { method: 'DELETE' })).status).toBe(200);
    const afterDelete = await inCluster(s.id, (instance, state) => ({ rv: Store.open(state.storage, instance.cipher).rv, live: instance.store.rv }));
    expect(afterDelete.rv).toBe(afterDelete.live);
    expect(afterDelete.rv).toBeGreaterThan(reloaded.rv);
  });
});
