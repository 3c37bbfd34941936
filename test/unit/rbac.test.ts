// The RBAC authorizer, escalation checks, request attributes and impersonation as pure functions.
import { describe, expect, it } from 'vitest';
import type { UserInfo } from '../../src/apiserver/context';
import { ApiError } from '../../src/apiserver/errors';
import { authorize, forbiddenMessage, ruleAllows, rulesFor, type Attributes, type PolicyRule, type RbacView } from '../../src/auth/rbac';
import { compactRules, compactString, escalationError, uncovered } from '../../src/auth/rbac-escalation';
import { requestAttributes } from '../../src/auth/rbac-request';
import { impersonate } from '../../src/auth/impersonation';
import { aggregatedRules } from '../../src/controllers/clusterrole-aggregation';
import type { KubeObject } from '../../src/resources/types';

const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({
  verb, apiGroup: '', resource, subresource: '', namespace: 'default', name: '', path: '', ...extra,
});
const path = (verb: string, p: string): Attributes => ({ verb, apiGroup: '', subresource: '', namespace: '', name: '', path: p });

const role = (name: string, rules: PolicyRule[], namespace?: string): KubeObject => ({ metadata: { name, namespace }, rules });
const crb = (name: string, roleName: string, subjects: any[]): KubeObject => ({ metadata: { name }, roleRef: { kind: 'ClusterRole', name: roleName }, subjects });
const rb = (name: string, ns: string, kind: string, roleName: string, subjects: any[]): KubeObject => ({ metadata: { name, namespace: ns }, roleRef: { kind, name: roleName }, subjects });

/** A view over plain lists (the store-backed one indexes them; the authorizer checks subjects itself). */
function view(clusterRoles: KubeObject[], roles: KubeObject[], crbs: KubeObject[], rbs: KubeObject[]): RbacView {
  return {
    clusterBindingsFor: () => crbs,
    roleBindingsFor: (_u, ns) => rbs.filter((b) => b.metadata.namespace === ns),
    clusterRole: (n) => clusterRoles.find((r) => r.metadata.name === n),
    role: (ns, n) => roles.find((r) => r.metadata.name === n && r.metadata.namespace === ns),
  };
}

const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

describe('rule matching', () => {
  it('matches verbs, groups and resources, with wildcards', () => {
    const rule: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
    expect(ruleAllows(res('list', 'pods'), rule)).toBe(true);
    expect(ruleAllows(res('delete', 'pods'), rule)).toBe(false);
    expect(ruleAllows(res('list', 'pods', { apiGroup: 'apps' }), rule)).toBe(false);
    expect(ruleAllows(res('get', 'pods', { subresource: 'log' }), rule)).toBe(false);
    const all: PolicyRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
    expect(ruleAllows(res('escalate', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), all)).toBe(true);
    const scales: PolicyRule = { verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] };
    expect(ruleAllows(res('get', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), scales)).toBe(true);
    expect(ruleAllows(res('get', 'deployments', { apiGroup: 'apps' }), scales)).toBe(false);
    expect(ruleAllows(res('get', 'pods', { subresource: 'log' }), { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] })).toBe(true);
  });

  it('limits to resourceNames; a request without a name never matches them', () => {
    const rule: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] };
    expect(ruleAllows(res('get', 'configmaps', { name: 'cfg' }), rule)).toBe(true);
    expect(ruleAllows(res('get', 'configmaps', { name: 'other' }), rule)).toBe(false);
    expect(ruleAllows(res('list', 'configmaps'), rule)).toBe(false);
  });

  it('matches non-resource URLs exactly, by `*` or by a trailing-* prefix', () => {
    const rule: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows(path('get', '/healthz'), rule)).toBe(true);
    expect(ruleAllows(path('get', '/healthz/etcd'), rule)).toBe(false);
    expect(ruleAllows(path('get', '/apis/apps/v1'), rule)).toBe(true);
    expect(ruleAllows(path('get', '/apis'), rule)).toBe(false);
    expect(ruleAllows(path('post', '/healthz'), rule)).toBe(false);
    expect(ruleAllows(path('get', '/anything'), { verbs: ['*'], nonResourceURLs: ['*'] })).toBe(true);
    // a resource rule never allows a path, nor a path rule a resource
    expect(ruleAllows(path('get', '/healthz'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(false);
    expect(ruleAllows(res('get', 'pods'), rule)).toBe(false);
  });
});

describe('authorize', () => {
  const reader = role('reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  const local = role('local', [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }], 'dev');
  const v = view(
    [reader],
    [local],
    [crb('readers', 'reader', [{ kind: 'Group', name: 'readers' }])],
    [
      rb('alice-local', 'dev', 'Role', 'local', [{ kind: 'User', name: 'alice' }]),
      rb('sa', 'dev', 'ClusterRole', 'reader', [{ kind: 'ServiceAccount', name: 'builder' }]),
      rb('dangling', 'prod', 'Role', 'gone', [{ kind: 'User', name: 'alice' }]),
    ],
  );

  it('allows through cluster bindings and the role bindings of the namespace, with the reason', () => {
    expect(authorize(v, { username: 'bob', groups: ['readers'] }, res('list', 'pods'))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "reader" to Group "readers"',
    });
    expect(authorize(v, alice, res('create', 'configmaps', { namespace: 'dev' }))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "alice-local/dev" of Role "local" to User "alice"',
    });
    expect(authorize(v, alice, res('create', 'configmaps')).allowed).toBe(false);
    const sa = { username: 'system:serviceaccount:dev:builder', groups: ['system:serviceaccounts'] };
    expect(authorize(v, sa, res('get', 'pods', { namespace: 'dev' })).reason).toBe(
      'RBAC: allowed by RoleBinding "sa/dev" of ClusterRole "reader" to ServiceAccount "builder/dev"',
    );
    expect(authorize(v, { ...sa, username: 'system:serviceaccount:other:builder' }, res('get', 'pods', { namespace: 'dev' })).allowed).toBe(false);
  });

  it('lets system:masters through without a reason, and explains missing roles', () => {
    expect(authorize(v, { username: 'root', groups: ['system:masters'] }, path('delete', '/x'))).toEqual({ allowed: true, reason: '' });
    expect(authorize(v, alice, res('get', 'pods', { namespace: 'prod' }))).toEqual({
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found',
    });
  });

  it('collects rules per namespace', () => {
    expect(rulesFor(v, alice, 'dev').rules).toEqual(local.rules);
    expect(rulesFor(v, alice, 'prod')).toEqual({ rules: [], errors: ['role.rbac.authorization.k8s.io "gone" not found'] });
  });
});

describe('Forbidden messages', () => {
  it('renders the namespaced, cluster, subresource and path variants', () => {
    expect(forbiddenMessage('alice', res('list', 'secrets'), '')).toBe('User "alice" cannot list resource "secrets" in API group "" in the namespace "default"');
    expect(forbiddenMessage('alice', res('list', 'nodes', { namespace: '' }), '')).toBe('User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(forbiddenMessage('alice', res('get', 'pods', { subresource: 'log', name: 'x' }), '')).toBe(
      'User "alice" cannot get resource "pods/log" in API group "" in the namespace "default"',
    );
    expect(forbiddenMessage('alice', path('get', '/logs'), '')).toBe('User "alice" cannot get path "/logs"');
    expect(forbiddenMessage('<b>', path('get', '/a&b'), 'RBAC: x')).toBe('User "&lt;b&gt;" cannot get path "/a&amp;b": RBAC: x');
  });
});

describe('request attributes', () => {
  const q = (s = '') => new URLSearchParams(s);
  it('derives the verb as the API server does', () => {
    expect(requestAttributes('GET', '/api/v1/namespaces/default/pods', q())).toMatchObject({ verb: 'list', resource: 'pods', namespace: 'default', name: '' });
    expect(requestAttributes('GET', '/api/v1/namespaces/default/pods', q('watch=true'))).toMatchObject({ verb: 'watch' });
    expect(requestAttributes('GET', '/api/v1/pods', q('fieldSelector=metadata.name%3Dweb&watch=1'))).toMatchObject({ verb: 'watch', name: 'web', namespace: '' });
    expect(requestAttributes('DELETE', '/apis/apps/v1/namespaces/x/deployments', q())).toMatchObject({ verb: 'deletecollection', apiGroup: 'apps' });
    expect(requestAttributes('PATCH', '/apis/apps/v1/namespaces/x/deployments/web/scale', q())).toMatchObject({ verb: 'patch', name: 'web', subresource: 'scale' });
    expect(requestAttributes('POST', '/api/v1/namespaces/x/pods/p/eviction', q())).toMatchObject({ verb: 'create', subresource: 'eviction' });
    expect(requestAttributes('GET', '/api/v1/namespaces/kube-system', q())).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: 'kube-system' });
    expect(requestAttributes('PUT', '/api/v1/namespaces/x/finalize', q())).toMatchObject({ verb: 'update', resource: 'namespaces', name: 'x', subresource: 'finalize' });
    expect(requestAttributes('GET', '/api/v1/namespaces/d/services/s:80/proxy/a/b', q())).toMatchObject({ verb: 'get', resource: 'services', name: 's:80', subresource: 'proxy' });
  });

  it('treats discovery, version and health as non-resource paths', () => {
    for (const p of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/version', '/healthz', '/openapi/v3']) {
      const a = requestAttributes('GET', p, q());
      expect(a.resource, p).toBeUndefined();
      expect(a).toMatchObject({ verb: 'get', path: p });
    }
    expect(requestAttributes('HEAD', '/version', q()).verb).toBe('head');
  });
});

describe('escalation', () => {
  it('breaks requested rules down and keeps what the owner lacks, compacted', () => {
    const owner: PolicyRule[] = [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['*'], apiGroups: ['apps'], resources: ['*/scale'] }];
    const wanted: PolicyRule[] = [
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'secrets'] },
      { verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
      { verbs: ['get'], nonResourceURLs: ['/metrics'] },
    ];
    const missing = uncovered(owner, wanted);
    expect(missing.map(compactString)).toEqual([
      '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}',
      '{APIGroups:[""], Resources:["pods"], Verbs:["watch"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["list"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["watch"]}',
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get"]}',
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    ]);
    expect(compactRules(missing).map(compactString)).toEqual([
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], Verbs:["list" "watch"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "watch"]}',
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get"]}',
    ]);
  });

  it('words the refusal as upstream, lines sorted, with resolution errors', () => {
    const v = view([], [], [], [rb('x', 'dev', 'Role', 'gone', [{ kind: 'User', name: 'alice' }])]);
    expect(escalationError(v, alice, 'dev', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }])).toBe(
      'user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}' +
        '; resolution errors: [role.rbac.authorization.k8s.io "gone" not found]',
    );
    expect(escalationError(v, alice, 'dev', [])).toBeUndefined();
  });
});

describe('aggregation', () => {
  it('collects the rules of matching roles in name order, each once, never its own', () => {
    const sel = { clusterRoleSelectors: [{ matchLabels: { agg: 'yes' } }] };
    const target: KubeObject = { metadata: { name: 'target', labels: { agg: 'yes' } }, aggregationRule: sel, rules: [{ verbs: ['x'] }] };
    const a: KubeObject = { metadata: { name: 'a', labels: { agg: 'yes' } }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
    const b: KubeObject = { metadata: { name: 'b', labels: { agg: 'yes' } }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['list'], apiGroups: [''], resources: ['pods'] }] };
    const c: KubeObject = { metadata: { name: 'c', labels: { agg: 'no' } }, rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }] };
    expect(aggregatedRules(target, [a, b, c, target])).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    ]);
  });
});

describe('impersonation', () => {
  const v = view(
    [role('sa-imp', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] }])],
    [],
    [],
    [rb('imp', 'dev', 'ClusterRole', 'sa-imp', [{ kind: 'User', name: 'alice' }])],
  );
  const headers = (h: Record<string, string>) => new Headers(h);
  const fail = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as ApiError;
    }
    throw new Error('expected an error');
  };

  it('becomes the service account with its groups, or the user with system:authenticated', () => {
    expect(impersonate(v, alice, headers({ 'impersonate-user': 'system:serviceaccount:dev:ci' }))).toEqual({
      username: 'system:serviceaccount:dev:ci',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
    });
    const root = { username: 'root', groups: ['system:masters'] };
    expect(impersonate(v, root, headers({ 'impersonate-user': 'bob', 'impersonate-group': 'a, b', 'impersonate-extra-scopes': 'x', 'impersonate-uid': 'u1' }))).toEqual({
      username: 'bob',
      groups: ['a', 'b', 'system:authenticated'],
      uid: 'u1',
      extra: { scopes: ['x'] },
    });
    expect(impersonate(v, root, headers({ 'impersonate-user': 'system:anonymous' })).groups).toEqual(['system:unauthenticated']);
    expect(impersonate(v, alice, headers({}))).toBe(alice);
  });

  it('refuses what the requester may not impersonate, with the checked attributes', () => {
    const user = fail(() => impersonate(v, alice, headers({ 'impersonate-user': 'bob' })));
    expect(user.code).toBe(403);
    expect(user.message).toBe('users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    const sa = fail(() => impersonate(v, alice, headers({ 'impersonate-user': 'system:serviceaccount:prod:ci' })));
    expect(sa.message).toBe('serviceaccounts "ci" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "prod"');
    const extra = fail(() => impersonate(v, alice, headers({ 'impersonate-user': 'system:serviceaccount:dev:ci', 'impersonate-extra-scopes': 'v' })));
    expect(extra.message).toBe(
      'userextras.authentication.k8s.io "v" is forbidden: User "alice" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    );
    const groupOnly = fail(() => impersonate(v, alice, headers({ 'impersonate-group': 'admins' })));
    expect(groupOnly.code).toBe(400);
    expect(groupOnly.message).toBe('requested [{Group  admins    }] without impersonating a user');
  });
});

describe('request attributes agree with routing', () => {
  it('keeps an escaped slash inside its segment and ignores empty segments', () => {
    const q = new URLSearchParams();
    expect(requestAttributes('GET', '/api/v1/namespaces/a%2Fb/pods', q)).toMatchObject({ verb: 'list', namespace: 'a/b', resource: 'pods' });
    expect(requestAttributes('GET', '/api//v1/pods', q)).toMatchObject({ verb: 'list', namespace: '', resource: 'pods' });
  });
});
