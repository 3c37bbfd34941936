// Authentication beyond the owner's token: TokenRequest, service account JWTs, legacy token Secrets,
// named users, SelfSubjectReview (whoami) and the owner-only sandbox API.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ORIGIN, client, clock, inCluster, settle, signup, usePausedCluster, type Kube, type Signup } from './helpers';

const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
const TOKEN_PATH = (ns: string, sa: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`;
const WHOAMI = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const SSR = { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' };

const claimsOf = (jwt: string) => JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
const as = (s: Signup, token: string): Kube => client({ ...s, token });
const sandbox = (s: Signup, token: string, path: string, init: RequestInit = {}) =>
  SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

async function token(k: Kube, ns: string, sa: string, spec: Record<string, unknown> = {}): Promise<string> {
  const r = await k(TOKEN_PATH(ns, sa), { method: 'POST', json: { ...{ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1' }, spec } });
  expect(r.status, await r.clone().text()).toBe(201);
  return (await r.json<any>()).status.token;
}

async function whoami(k: Kube): Promise<any> {
  const r = await k(WHOAMI, { method: 'POST', json: SSR });
  expect(r.status, await r.clone().text()).toBe(201);
  return (await r.json<any>()).status.userInfo;
}

const statusOf = async (r: Response) => ({ code: r.status, ...(await r.json<any>()) });

let s: Signup;
let k: Kube;
usePausedCluster((signed, kube) => {
  s = signed;
  k = kube;
});

async function createServiceAccount(ns: string, name: string): Promise<string> {
  const r = await k(`/api/v1/namespaces/${ns}/serviceaccounts`, { method: 'POST', json: { metadata: { name } } });
  expect(r.status).toBe(201);
  return (await r.json<any>()).metadata.uid;
}

describe('TokenRequest', () => {
  it('defaults audiences and expiration, and answers 201 with the token and its expiry', async () => {
    const uid = await createServiceAccount('default', 'robot');
    const now = (await clock(s, { action: 'pause' })).now;
    const r = await k(TOKEN_PATH('default', 'robot'), { method: 'POST', json: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: {} } });
    expect(r.status).toBe(201);
    const body = await r.json<any>();
    const created = new Date(Math.floor(Date.parse(now) / 1000) * 1000);
    expect(body).toEqual({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'robot', namespace: 'default', uid, creationTimestamp: created.toISOString().replace('.000Z', 'Z') },
      spec: { audiences: [AUDIENCE], expirationSeconds: 3600, boundObjectRef: null },
      status: { token: expect.any(String), expirationTimestamp: new Date(created.getTime() + 3600_000).toISOString().replace('.000Z', 'Z') },
    });
    const iat = created.getTime() / 1000;
    const [header] = body.status.token.split('.');
    expect(JSON.parse(atob(header.replace(/-/g, '+').replace(/_/g, '/')))).toEqual({ alg: 'RS256', kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const claims = claimsOf(body.status.token);
    expect(claims).toEqual({
      aud: [AUDIENCE],
      exp: iat + 3600,
      iat,
      iss: AUDIENCE,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid } },
      nbf: iat,
      sub: 'system:serviceaccount:default:robot',
    });
    expect(Object.keys(claims)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  });

  it('refuses bad requests with upstream’s statuses and messages, issuing nothing', async () => {
    const uid = await createServiceAccount('default', 'robot');
    const post = async (path: string, body: unknown) => statusOf(await k(path, { method: 'POST', json: body }));
    const path = TOKEN_PATH('default', 'robot');
    expect(await post(path, { spec: { expirationSeconds: 60 } })).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
      details: { group: 'authentication.k8s.io', kind: 'TokenRequest', causes: [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds' }] },
    });
    expect((await post(path, { spec: { expirationSeconds: 2 ** 32 + 1 } })).message).toBe(
      `TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: ${2 ** 32 + 1}: may not specify a duration larger than 2^32 seconds`,
    );
    expect(await post(TOKEN_PATH('default', 'ghost'), {})).toMatchObject({ code: 404, reason: 'NotFound', message: 'serviceaccounts "ghost" not found' });
    expect(await post(TOKEN_PATH('nowhere', 'robot'), {})).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
    expect(await post(path, { metadata: { name: 'other' } })).toMatchObject({
      code: 422,
      message: 'TokenRequest.authentication.k8s.io "robot" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
    });
    expect(await post(path, { metadata: { uid: 'stale' } })).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on TokenRequest.authentication.k8s.io "robot": the UID in the token request (stale) does not match the UID of the service account (${uid})`,
    });
    expect(await post(path, { spec: { expirationSeconds: '600' } })).toMatchObject({
      code: 400,
      message: 'TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot unmarshal string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64',
    });
    expect((await post(path, { spec: { audiences: 'x' } })).code).toBe(400);
    expect((await post(path, { spec: { boundObjectRef: [] } })).code).toBe(400);
    expect((await post(path, [])).code).toBe(400);
    const raw = await k(path, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(raw.status).toBe(400);
    expect((await k(path)).status).toBe(405);
  });

  it('binds to a Secret or a Pod that exists, with the right uid and service account', async () => {
    await createServiceAccount('default', 'robot');
    const bind = async (ref: Record<string, string>) => statusOf(await k(TOKEN_PATH('default', 'robot'), { method: 'POST', json: { spec: { boundObjectRef: ref } } }));
    expect(await bind({ kind: 'Pod', apiVersion: 'v1', name: 'nope' })).toMatchObject({ code: 404, message: 'pods "nope" not found' });
    expect(await bind({ kind: 'ConfigMap', apiVersion: 'v1', name: 'kube-root-ca.crt' })).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'cannot bind token to object of type /v1, Kind=ConfigMap',
    });
    expect((await bind({ kind: 'Deployment', apiVersion: 'apps/v1', name: 'x' })).message).toBe('cannot bind token to object of type apps/v1, Kind=Deployment');
    const secret = await (await k('/api/v1/namespaces/default/secrets', { method: 'POST', json: { metadata: { name: 's' }, stringData: { a: 'b' } } })).json<any>();
    expect(await bind({ kind: 'Secret', apiVersion: 'v1', name: 's', uid: 'old' })).toMatchObject({
      code: 409,
      message: 'Operation cannot be fulfilled on Secret "s": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    });
    const pod = { metadata: { name: 'p' }, spec: { schedulerName: 'manual', containers: [{ name: 'c', image: 'nginx' }] } };
    expect((await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod })).status).toBe(201);
    expect(await bind({ kind: 'Pod', apiVersion: 'v1', name: 'p' })).toMatchObject({
      code: 400,
      message: 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.',
    });

    const bound = await token(k, 'default', 'robot', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: secret.metadata.uid } });
    expect(claimsOf(bound)['kubernetes.io'].secret).toEqual({ name: 's', uid: secret.metadata.uid });
    expect((await whoami(as(s, bound))).username).toBe('system:serviceaccount:default:robot');
    // The bound object going away invalidates the token.
    expect((await k('/api/v1/namespaces/default/secrets/s', { method: 'DELETE' })).status).toBe(200);
    expect((await as(s, bound)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
  });

  it('a pod-bound token names the pod and its node, and whoami shows them', async () => {
    await settle(s.id); // the default service account
    const pod = { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const created = await (await k('/api/v1/namespaces/default/pods', { method: 'POST', json: pod })).json<any>();
    await settle(s.id);
    const scheduled = await (await k('/api/v1/namespaces/default/pods/web')).json<any>();
    expect(scheduled.spec.nodeName).toBeTruthy();
    const node = await (await k(`/api/v1/nodes/${scheduled.spec.nodeName}`)).json<any>();
    const t = await token(k, 'default', 'default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' }, expirationSeconds: 3607 });
    const claims = claimsOf(t);
    expect(claims['kubernetes.io']).toMatchObject({
      pod: { name: 'web', uid: created.metadata.uid },
      node: { name: node.metadata.name, uid: node.metadata.uid },
      warnafter: claims.iat + 3607,
    });
    expect(claims.exp).toBe(claims.iat + 365 * 24 * 3600); // the kubelet's 3607 s token is extended
    const info = await whoami(as(s, t));
    expect(info).toEqual({
      username: 'system:serviceaccount:default:default',
      uid: expect.any(String),
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`],
        'authentication.kubernetes.io/node-name': [node.metadata.name],
        'authentication.kubernetes.io/node-uid': [node.metadata.uid],
        'authentication.kubernetes.io/pod-name': ['web'],
        'authentication.kubernetes.io/pod-uid': [created.metadata.uid],
      },
    });
  });
});

describe('service account tokens authenticate', () => {
  it('as the service account, and whoami shows it', async () => {
    const uid = await createServiceAccount('default', 'robot');
    const t = await token(k, 'default', 'robot');
    const r = await as(s, t)(WHOAMI, { method: 'POST', json: SSR });
    expect(r.status).toBe(201);
    const body = await r.json<any>();
    expect(body).toEqual({
      ...SSR,
      metadata: { creationTimestamp: expect.any(String) },
      status: {
        userInfo: {
          username: 'system:serviceaccount:default:robot',
          uid,
          groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
          extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claimsOf(t).jti}`] },
        },
      },
    });
  });

  it('until it expires by the cluster clock (with upstream’s 60 s leeway)', async () => {
    await createServiceAccount('default', 'robot');
    const t = await token(k, 'default', 'robot', { expirationSeconds: 600 });
    await clock(s, { action: 'advance', seconds: 600 + 60 });
    expect((await as(s, t)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(201);
    await clock(s, { action: 'advance', seconds: 2 });
    const r = await as(s, t)(WHOAMI, { method: 'POST', json: SSR });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  it('not once the service account was deleted, even if recreated with the same name', async () => {
    await createServiceAccount('default', 'robot');
    const t = await token(k, 'default', 'robot');
    expect((await k('/api/v1/namespaces/default/serviceaccounts/robot', { method: 'DELETE' })).status).toBe(200);
    expect((await as(s, t)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
    await createServiceAccount('default', 'robot');
    expect((await as(s, t)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
  });

  it('never on another cluster, and not when tampered with', async () => {
    await createServiceAccount('default', 'robot');
    const t = await token(k, 'default', 'robot');
    const other = await signup();
    await settle(other.id);
    expect((await client({ ...other, token: t })(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
    const [h, p, sig] = t.split('.');
    const claims = claimsOf(t);
    claims.sub = 'system:serviceaccount:kube-system:admin';
    const forged = `${h}.${btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.${sig}`;
    expect((await as(s, forged)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
    expect((await as(s, `${h}.${p}.`)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
  });

  it('not for an audience other than the API server’s', async () => {
    await createServiceAccount('default', 'robot');
    const t = await token(k, 'default', 'robot', { audiences: ['vault'] });
    expect(claimsOf(t).aud).toEqual(['vault']);
    expect((await as(s, t)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
  });
});

describe('legacy service account token Secrets', () => {
  it('are filled by the tokens controller and authenticate while the Secret exists', async () => {
    await settle(s.id);
    const sa = await (await k('/api/v1/namespaces/default/serviceaccounts/default')).json<any>();
    const secret = { metadata: { name: 'legacy', annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' };
    expect((await k('/api/v1/namespaces/default/secrets', { method: 'POST', json: secret })).status).toBe(201);
    await settle(s.id);
    const filled = await (await k('/api/v1/namespaces/default/secrets/legacy')).json<any>();
    expect(filled.metadata.annotations['kubernetes.io/service-account.uid']).toBe(sa.metadata.uid);
    expect(atob(filled.data.namespace)).toBe('default');
    expect(atob(filled.data['ca.crt'])).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const t = atob(filled.data.token);
    expect(claimsOf(t)).toEqual({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/secret.name': 'legacy',
      'kubernetes.io/serviceaccount/service-account.name': 'default',
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid,
      sub: 'system:serviceaccount:default:default',
    });
    expect(await whoami(as(s, t))).toEqual({
      username: 'system:serviceaccount:default:default',
      uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    expect((await k('/api/v1/namespaces/default/secrets/legacy', { method: 'DELETE' })).status).toBe(200);
    expect((await as(s, t)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
  });

  it('are deleted when their service account does not exist', async () => {
    const secret = { metadata: { name: 'orphan', annotations: { 'kubernetes.io/service-account.name': 'ghost' } }, type: 'kubernetes.io/service-account-token' };
    expect((await k('/api/v1/namespaces/default/secrets', { method: 'POST', json: secret })).status).toBe(201);
    await settle(s.id);
    expect((await k('/api/v1/namespaces/default/secrets/orphan')).status).toBe(404);
  });
});

describe('named users (sandbox API)', () => {
  const users = (token: string, init: RequestInit & { json?: unknown } = {}, path = '/users') =>
    sandbox(s, token, path, init.json === undefined ? init : { ...init, body: JSON.stringify(init.json), headers: { 'content-type': 'application/json' } });

  it('are created once with a token and kubeconfig, listed without tokens, and revoked', async () => {
    const created = await users(s.token, { method: 'POST', json: { name: 'alice', groups: ['dev'] } });
    expect(created.status).toBe(201);
    const alice = await created.json<any>();
    expect(alice).toEqual({ name: 'alice', groups: ['dev'], token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), kubeconfig: expect.any(String) });
    const kc = parse(alice.kubeconfig);
    expect(kc.users).toEqual([{ name: 'alice', user: { token: alice.token } }]);
    expect(kc.clusters[0].cluster.server).toBe(s.server);
    expect(kc.contexts[0].context).toEqual({ cluster: `sandbox-${s.id}`, user: 'alice', namespace: 'default' });
    expect(kc['current-context']).toBe(kc.contexts[0].name);

    expect(await whoami(as(s, alice.token))).toEqual({ username: 'alice', groups: ['dev', 'system:authenticated'] });
    expect(await whoami(k)).toEqual({ username: 'sandbox-user', groups: ['system:masters', 'system:authenticated'] });

    const list = await users(s.token);
    expect(list.status).toBe(200);
    const listed = await list.text();
    expect(JSON.parse(listed)).toEqual({ users: [{ name: 'alice', groups: ['dev'] }] });
    expect(listed).not.toContain(alice.token);

    expect(await statusOf(await users(s.token, { method: 'POST', json: { name: 'alice' } }))).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'users "alice" already exists' });
    // Not the owner: no user management, no clock, no node failures.
    expect(await statusOf(await users(alice.token, { method: 'POST', json: { name: 'mallory' } }))).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect((await users(alice.token)).status).toBe(403);
    expect((await sandbox(s, alice.token, '/clock')).status).toBe(403);

    const revoked = await users(s.token, { method: 'DELETE' }, '/users/alice');
    expect(revoked.status).toBe(200);
    expect((await as(s, alice.token)(WHOAMI, { method: 'POST', json: SSR })).status).toBe(401);
    expect((await users(s.token, { method: 'DELETE' }, '/users/alice')).status).toBe(404);
    expect(await (await users(s.token)).json()).toEqual({ users: [] });
  });

  it('refuses malformed requests with a 400 and changes nothing', async () => {
    const bad: unknown[] = [
      {},
      { name: '' },
      { name: 'system:admin' },
      { name: 'sandbox-user' },
      { name: 'a b' },
      { name: 'x'.repeat(300) },
      { name: 42 },
      { name: 'bob', groups: 'dev' },
      { name: 'bob', groups: ['system:masters'] },
      { name: 'bob', groups: [1] },
      { name: 'bob', groups: ['dev', 'dev'] },
      [],
      null,
    ];
    for (const json of bad) {
      const r = await users(s.token, { method: 'POST', json });
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(await r.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    }
    expect((await users(s.token, { method: 'POST', body: 'nope' })).status).toBe(400);
    expect((await users(s.token, { method: 'PUT' })).status).toBe(405);
    expect((await users(s.token, { method: 'DELETE' }, '/users/%E0%A4%A')).status).toBe(400);
    expect(await (await users(s.token)).json()).toEqual({ users: [] });
  });

  it('keeps only hashes: no user token and no private key in clear in the Durable Object', async () => {
    const alice = await (await users(s.token, { method: 'POST', json: { name: 'alice' } })).json<any>();
    await createServiceAccount('default', 'robot');
    const t = await token(k, 'default', 'robot');
    const dump = await inCluster(s.id, (_i, state) => JSON.stringify(state.storage.sql.exec('SELECT * FROM meta').toArray()));
    expect(dump).not.toContain(alice.token);
    expect(dump).not.toContain(t);
    expect(dump).not.toMatch(/PRIVATE KEY/);
    const key = await inCluster(s.id, (_i, state) => state.storage.sql.exec("SELECT v FROM meta WHERE k = 'sa_signing_key'").one().v as string);
    expect(key.startsWith('enc:v1:')).toBe(true);
  });
});

describe('the sandbox API', () => {
  it('is the owner’s, except what a client on the cluster network could reach', async () => {
    await createServiceAccount('default', 'robot');
    const t = await token(k, 'default', 'robot');
    for (const [method, path] of [['GET', '/clock'], ['POST', '/nodes/node-1/fail'], ['GET', '/users'], ['GET', '/explain/pods/default/x']]) {
      const r = await sandbox(s, t, path, { method });
      expect(r.status, path).toBe(403);
      expect(await r.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    }
    expect((await sandbox(s, t, '/resolve?name=kubernetes')).status).toBe(200);
    expect((await sandbox(s, s.token, '/clock')).status).toBe(200);
    expect((await sandbox(s, 'not-a-token', '/resolve?name=kubernetes')).status).toBe(401);
  });
});

describe('SelfSubjectReview', () => {
  it('is discovered as create-only and refuses other verbs', async () => {
    const list = await (await k('/apis/authentication.k8s.io/v1')).json<any>();
    expect(list.resources).toContainEqual(expect.objectContaining({ name: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create'] }));
    expect((await k(WHOAMI)).status).toBe(405);
    expect((await k(`${WHOAMI}/x`, { method: 'POST', json: SSR })).status).toBe(405);
    expect((await k(WHOAMI, { method: 'POST', json: [] })).status).toBe(400);
  });
});
