import { SELF, env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ORIGIN, client, signup } from './helpers';

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
    const stub = env.CLUSTER.get(env.CLUSTER.idFromName(s.id));
    const dump = await runInDurableObject(stub, (_i, state) =>
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
    const stub = env.CLUSTER.get(env.CLUSTER.idFromName('aaaaaaaaaaaaaaaa'));
    const tables = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master`).toArray());
    expect(tables.filter((t) => !String(t.name).startsWith('_cf_'))).toEqual([]);
  });
});
