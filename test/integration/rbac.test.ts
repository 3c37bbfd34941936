// RBAC over HTTP: the owner (system:masters) sets up roles and bindings, then acts as other users through
// impersonation headers, as `kubectl --as` does.
import { beforeEach, describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { client, settle, signup, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
beforeEach(async () => {
  s = await signup();
  k = client(s);
});

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const as = (user: string, ...groups: string[]) => {
  const h = new Headers({ 'impersonate-user': user });
  for (const g of groups) h.append('impersonate-group', g);
  return h;
};

async function post(path: string, json: unknown, headers?: Headers) {
  const r = await k(path, { method: 'POST', json, headers });
  return { status: r.status, body: await r.json<any>() };
}

const binding = (name: string, kind: 'Role' | 'ClusterRole', role: string, subjects: unknown[]) => ({
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
  subjects,
});
const userSubject = (name: string) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });

async function bindAliceView() {
  const r = await post(`${RBAC}/namespaces/default/rolebindings`, binding('alice-view', 'ClusterRole', 'view', [{ kind: 'User', name: 'alice' }]));
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  // defaulted apiGroup of the User subject
  expect(r.body.subjects).toEqual([userSubject('alice')]);
}

describe('default policy', () => {
  it('creates the default cluster roles and bindings with their labels', async () => {
    const roles = await (await k(`${RBAC}/clusterroles`)).json<any>();
    const names = roles.items.map((r: any) => r.metadata.name);
    for (const n of ['admin', 'cluster-admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer']) expect(names).toContain(n);
    const admin = roles.items.find((r: any) => r.metadata.name === 'cluster-admin');
    expect(admin.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    expect(admin.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    expect(admin.rules).toEqual([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]);
    const crb = await (await k(`${RBAC}/clusterrolebindings/cluster-admin`)).json<any>();
    expect(crb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' });
    expect(crb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
    const info = await (await k(`${RBAC}/clusterrolebindings/system:public-info-viewer`)).json<any>();
    expect(info.subjects.map((x: any) => x.name)).toEqual(['system:authenticated', 'system:unauthenticated']);
  });

  it('creates the controller roles and the namespaced bootstrap roles', async () => {
    const dc = await k(`${RBAC}/clusterroles/system:controller:deployment-controller`);
    expect(dc.status).toBe(200);
    const role = await dc.json<any>();
    expect(role.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    expect(role.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    expect(role.rules[0]).toEqual({ apiGroups: ['apps', 'extensions'], resources: ['deployments'], verbs: ['get', 'list', 'update', 'watch'] });
    const crb = await (await k(`${RBAC}/clusterrolebindings/system:controller:deployment-controller`)).json<any>();
    expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'deployment-controller', namespace: 'kube-system' }]);
    const lock = await k(`${RBAC}/namespaces/kube-system/roles/system::leader-locking-kube-scheduler`);
    expect(lock.status).toBe(200);
    expect((await lock.json<any>()).metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    const rb = await (await k(`${RBAC}/namespaces/kube-public/rolebindings/system:controller:bootstrap-signer`)).json<any>();
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'system:controller:bootstrap-signer' });
  });

  it('aggregates view into edit and edit into admin', async () => {
    const get = async (n: string) => (await (await k(`${RBAC}/clusterroles/${n}`)).json<any>());
    const [view, edit, admin, toView, toEdit, toAdmin] = await Promise.all(
      ['view', 'edit', 'admin', 'system:aggregate-to-view', 'system:aggregate-to-edit', 'system:aggregate-to-admin'].map(get),
    );
    expect(view.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    expect(view.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
    expect(view.rules).toEqual(toView.rules);
    expect(view.rules).toHaveLength(10);
    expect(view.rules[0]).toEqual({
      apiGroups: [''],
      resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'],
      verbs: ['get', 'list', 'watch'],
    });
    expect(edit.rules).toEqual([...toEdit.rules, ...view.rules]);
    expect(admin.rules).toEqual([...edit.rules, ...toAdmin.rules]);
  });

  it('folds a user role labelled aggregate-to-view into view (controller)', async () => {
    const r = await post(`${RBAC}/clusterroles`, {
      metadata: { name: 'crd-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }],
    });
    expect(r.status).toBe(201);
    await settle(s.id);
    const view = await (await k(`${RBAC}/clusterroles/view`)).json<any>();
    // sources in name order: crd-viewer before system:aggregate-to-view
    expect(view.rules[0]).toEqual({ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] });
    expect(view.rules).toHaveLength(11);
    const admin = await (await k(`${RBAC}/clusterroles/admin`)).json<any>();
    expect(admin.rules).toContainEqual({ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] });
  });
});

describe('authorization', () => {
  it('a RoleBinding of view lets alice list pods but not secrets, nor create', async () => {
    await bindAliceView();
    expect((await k('/api/v1/namespaces/default/pods', { headers: as('alice') })).status).toBe(200);
    const secrets = await k('/api/v1/namespaces/default/secrets', { headers: as('alice') });
    expect(secrets.status).toBe(403);
    expect(await secrets.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'secrets' },
      code: 403,
    });
    const create = await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'x' } }, as('alice'));
    expect(create.status).toBe(403);
    expect(create.body.message).toBe('configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default"');
    // nothing was created
    expect((await k('/api/v1/namespaces/default/configmaps/x')).status).toBe(404);
  });

  it('names the object, the subresource and the group in the message', async () => {
    await bindAliceView();
    const r = await k('/apis/apps/v1/namespaces/default/deployments/web/scale', {
      method: 'PATCH',
      headers: (() => { const h = as('alice'); h.set('content-type', 'application/merge-patch+json'); return h; })(),
      body: '{}',
    });
    expect(r.status).toBe(403);
    const body = await r.json<any>();
    expect(body.message).toBe('deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"');
    expect(body.details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
  });

  it('denies watch and lists across namespaces at the cluster scope', async () => {
    await bindAliceView();
    expect((await k('/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1', { headers: as('alice') })).status).toBe(200);
    const all = await k('/api/v1/pods', { headers: as('alice') });
    expect(all.status).toBe(403);
    expect((await all.json<any>()).message).toBe('pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope');
    const watch = await k('/api/v1/namespaces/kube-system/pods?watch=true', { headers: as('alice') });
    expect(watch.status).toBe(403);
    expect((await watch.json<any>()).message).toBe('pods is forbidden: User "alice" cannot watch resource "pods" in API group "" in the namespace "kube-system"');
  });

  it('a ClusterRoleBinding grants everywhere; a namespace is addressed by its own name', async () => {
    const r = await post(`${RBAC}/clusterrolebindings`, binding('bob-view', 'ClusterRole', 'view', [{ kind: 'Group', name: 'viewers' }]));
    expect(r.status).toBe(201);
    expect((await k('/api/v1/pods', { headers: as('bob', 'viewers') })).status).toBe(200);
    expect((await k('/api/v1/namespaces/kube-system', { headers: as('bob', 'viewers') })).status).toBe(200);
    const nodes = await k('/api/v1/nodes', { headers: as('bob', 'viewers') });
    expect((await nodes.json<any>()).message).toBe('nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
    const ns = await k('/api/v1/namespaces/kube-system', { headers: as('carol') });
    expect((await ns.json<any>()).message).toBe(
      'namespaces "kube-system" is forbidden: User "carol" cannot get resource "namespaces" in API group "" in the namespace "kube-system"',
    );
  });

  it('authorizes non-resource paths and the proxy subresource', async () => {
    // system:authenticated has discovery; a group set without it has only what system:unauthenticated gets
    expect((await k('/apis', { headers: as('alice') })).status).toBe(200);
    expect((await k('/version', { headers: as('anon', 'system:unauthenticated') })).status).toBe(200);
    const apis = await k('/apis', { headers: as('anon', 'system:unauthenticated') });
    expect(apis.status).toBe(403);
    expect(await apis.json()).toMatchObject({ message: 'forbidden: User "anon" cannot get path "/apis"', reason: 'Forbidden', details: {}, code: 403 });
    const proxy = await k('/api/v1/namespaces/default/services/kubernetes:https/proxy/x', { headers: as('alice') });
    expect((await proxy.json<any>()).message).toBe(
      'services "kubernetes:https" is forbidden: User "alice" cannot get resource "services/proxy" in API group "" in the namespace "default"',
    );
  });

  it('reports a binding to a missing role in the reason', async () => {
    const r = await post(`${RBAC}/namespaces/default/rolebindings`, binding('dangling', 'Role', 'missing', [userSubject('alice')]));
    expect(r.status).toBe(201);
    const res = await k('/api/v1/namespaces/default/pods', { headers: as('alice') });
    expect((await res.json<any>()).message).toBe(
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "missing" not found',
    );
  });
});

describe('impersonation', () => {
  it('runs the request as the impersonated user', async () => {
    // the owner (system:masters) may impersonate anyone; alice herself may do nothing
    const r = await k('/api/v1/namespaces/default/pods', { headers: as('alice', 'devs') });
    expect(r.status).toBe(403);
    expect((await r.json<any>()).message).toBe('pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
    await bindAliceView();
    expect((await k('/api/v1/namespaces/default/pods', { headers: as('alice', 'devs') })).status).toBe(200);
    const sa = await k('/api/v1/namespaces/default/pods', { headers: as('system:serviceaccount:default:default') });
    expect((await sa.json<any>()).message).toBe(
      'pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"',
    );
  });

  it('refuses a requester without the impersonate verb', async () => {
    await settle(s.id); // the `default` service account
    const tr = await post('/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(tr.status, JSON.stringify(tr.body)).toBe(201);
    const asSA = (headers: Record<string, string>) =>
      SELF.fetch(`${s.server}/api/v1/namespaces/default/pods`, { headers: { authorization: `Bearer ${tr.body.status.token}`, ...headers } });
    const denied = await asSA({ 'impersonate-user': 'bob' });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({
      message: 'users "bob" is forbidden: User "system:serviceaccount:default:default" cannot impersonate resource "users" in API group "" at the cluster scope',
      details: { name: 'bob', kind: 'users' },
    });
    // edit grants impersonating the namespace's service accounts
    await post(`${RBAC}/namespaces/default/rolebindings`, binding('sa-edit', 'ClusterRole', 'edit', [{ kind: 'ServiceAccount', name: 'default' }]));
    const other = await asSA({ 'impersonate-user': 'system:serviceaccount:default:other' });
    expect((await other.json<any>()).message).toBe(
      'pods is forbidden: User "system:serviceaccount:default:other" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    const group = await asSA({ 'impersonate-user': 'system:serviceaccount:default:other', 'impersonate-group': 'admins' });
    expect((await group.json<any>()).message).toBe(
      'groups "admins" is forbidden: User "system:serviceaccount:default:default" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
  });

  it('answers 400 for groups without a user', async () => {
    const r = await k('/api/v1/namespaces/default/pods', { headers: new Headers({ 'impersonate-group': 'admins' }) });
    expect(r.status).toBe(400);
    expect((await r.json<any>()).message).toBe('requested [{Group  admins    }] without impersonating a user');
  });
});

describe('escalation prevention', () => {
  beforeEach(async () => {
    // alice administers the namespace `default` (admin: roles and rolebindings, but not every permission)
    const r = await post(`${RBAC}/namespaces/default/rolebindings`, binding('alice-admin', 'ClusterRole', 'admin', [userSubject('alice')]));
    expect(r.status).toBe(201);
  });

  it('refuses a role with rules alice does not hold', async () => {
    const r = await post(
      `${RBAC}/namespaces/default/roles`,
      { metadata: { name: 'node-reader' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      as('alice'),
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      'roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}',
    );
    expect(r.body.details).toEqual({ name: 'node-reader', group: 'rbac.authorization.k8s.io', kind: 'roles' });
    const ok = await post(`${RBAC}/namespaces/default/roles`, { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }, as('alice'));
    expect(ok.status).toBe(201);
  });

  it('refuses binding a role alice does not hold, and a missing role', async () => {
    const r = await post(`${RBAC}/namespaces/default/rolebindings`, binding('bob-admin', 'ClusterRole', 'cluster-admin', [userSubject('bob')]), as('alice'));
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      'rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
    const missing = await post(`${RBAC}/namespaces/default/rolebindings`, binding('b', 'Role', 'nope', [userSubject('bob')]), as('alice'));
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('roles.rbac.authorization.k8s.io "nope" not found');
    const ok = await post(`${RBAC}/namespaces/default/rolebindings`, binding('bob-edit', 'ClusterRole', 'edit', [userSubject('bob')]), as('alice'));
    expect(ok.status).toBe(201);
  });

  it('lets `bind` and `escalate` through, and the owner always', async () => {
    const binder = await post(`${RBAC}/clusterroles`, {
      metadata: { name: 'binder' },
      rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }],
    });
    expect(binder.status).toBe(201);
    await post(`${RBAC}/namespaces/default/rolebindings`, binding('alice-binder', 'ClusterRole', 'binder', [userSubject('alice')]));
    const r = await post(`${RBAC}/namespaces/default/rolebindings`, binding('bob-admin', 'ClusterRole', 'cluster-admin', [userSubject('bob')]), as('alice'));
    expect(r.status).toBe(201);
  });

  it('keeps roleRef immutable', async () => {
    const r = await k(`${RBAC}/namespaces/default/rolebindings/alice-admin`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ roleRef: { name: 'edit' } }),
    });
    expect(r.status).toBe(422);
    expect((await r.json<any>()).message).toBe(
      'RoleBinding.rbac.authorization.k8s.io "alice-admin" is invalid: roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole","Name":"edit"}: cannot change roleRef',
    );
  });

  it('an aggregationRule needs cluster-admin', async () => {
    await post(`${RBAC}/clusterrolebindings`, binding('alice-crs', 'ClusterRole', 'cr-writer', [userSubject('alice')]));
    await post(`${RBAC}/clusterroles`, {
      metadata: { name: 'cr-writer' },
      rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['create'] }],
    });
    const r = await post(
      `${RBAC}/clusterroles`,
      { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } },
      as('alice'),
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule');
  });
});

describe('validation', () => {
  it('answers 422 with upstream messages', async () => {
    const r = await post(`${RBAC}/namespaces/default/roles`, { metadata: { name: 'bad' }, rules: [{ resources: ['pods'] }, { nonResourceURLs: ['/x'], verbs: ['get'] }] });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[1].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs]',
    );
    const b = await post(`${RBAC}/clusterrolebindings`, { metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] });
    expect(b.status).toBe(422);
    expect(b.body.message).toBe(
      'ClusterRoleBinding.rbac.authorization.k8s.io "b" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value]',
    );
  });
});

describe('access reviews', () => {
  const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const SSRR = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';

  it('answers can-i for alice with the allowing binding', async () => {
    await bindAliceView();
    const yes = await post(SSAR, { spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } } }, as('alice'));
    expect(yes.status).toBe(201);
    expect(yes.body).toEqual({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } },
      status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "view" to User "alice"' },
    });
    const no = await post(SSAR, { spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } } }, as('alice'));
    expect(no.body.status).toEqual({ allowed: false });
    const owner = await post(SSAR, { spec: { nonResourceAttributes: { path: '/logs', verb: 'get' } } });
    expect(owner.body.status).toEqual({ allowed: true });
    const byGroup = await post(SSAR, { spec: { nonResourceAttributes: { path: '/version', verb: 'get' } } }, as('alice'));
    expect(byGroup.body.status.reason).toBe('RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"');
  });

  it('validates the spec', async () => {
    const r = await post(SSAR, { spec: {} });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    expect((await k(SSAR)).status).toBe(405);
    const rules = await post(SSRR, { spec: {} });
    expect(rules.status).toBe(400);
    expect(rules.body.message).toBe('no namespace on request');
  });

  it('lists the rules of can-i --list', async () => {
    await bindAliceView();
    const r = await post(SSRR, { spec: { namespace: 'default' } }, as('alice'));
    expect(r.status).toBe(201);
    expect(r.body.spec).toEqual({});
    const st = r.body.status;
    expect(st.incomplete).toBe(false);
    expect(st.resourceRules[0]).toEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(st.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'] });
    expect(st.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] });
    const other = await post(SSRR, { spec: { namespace: 'kube-system' } }, as('alice'));
    expect(other.body.status.resourceRules).not.toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'] });
    const owner = await post(SSRR, { spec: { namespace: 'default' } });
    expect(owner.body.status.resourceRules[0]).toEqual({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
  });
});
