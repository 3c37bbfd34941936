// The controller roles and namespaced roles of the default policy, as data (upstream testdata, 1.35 default gates).
import { describe, expect, it } from 'vitest';
import { CONTROLLER_ROLES, CONTROLLER_ROLE_BINDINGS, NAMESPACE_ROLES, NAMESPACE_ROLE_BINDINGS } from '../../src/auth/rbac-bootstrap-controllers';
import { CLUSTER_ROLES } from '../../src/auth/rbac-bootstrap-policy';

const controller = (n: string) => CONTROLLER_ROLES.find((r) => r.name === `system:controller:${n}`);
const EVENTS = { verbs: ['create', 'patch', 'update'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] };

describe('controller roles', () => {
  it('holds the replicaset-controller rules as upstream stores them', () => {
    expect(controller('replicaset-controller')!.rules).toEqual([
      { verbs: ['get', 'list', 'update', 'watch'], apiGroups: ['apps', 'extensions'], resources: ['replicasets'] },
      { verbs: ['update'], apiGroups: ['apps', 'extensions'], resources: ['replicasets/status'] },
      { verbs: ['update'], apiGroups: ['apps', 'extensions'], resources: ['replicasets/finalizers'] },
      { verbs: ['create', 'delete', 'list', 'patch', 'watch'], apiGroups: [''], resources: ['pods'] },
      EVENTS,
    ]);
  });

  it('lets the aggregation controller escalate on clusterroles', () => {
    expect(controller('clusterrole-aggregation-controller')!.rules).toEqual([
      { verbs: ['escalate', 'get', 'list', 'patch', 'update', 'watch'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] },
    ]);
    expect(controller('legacy-service-account-token-cleaner')!.rules![0]).toEqual({
      verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-apiserver-legacy-service-account-token-tracking'],
    });
  });

  it('binds each role to the kube-system ServiceAccount of its name', () => {
    expect(CONTROLLER_ROLE_BINDINGS.find((b) => b.name === 'system:controller:clusterrole-aggregation-controller')!.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'clusterrole-aggregation-controller', namespace: 'kube-system' },
    ]);
    expect(CONTROLLER_ROLE_BINDINGS.map((b) => b.name)).toEqual(CONTROLLER_ROLES.map((r) => r.name));
    for (const b of CONTROLLER_ROLE_BINDINGS) expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: b.name.slice('system:controller:'.length), namespace: 'kube-system' }]);
  });

  it('has the 1.35 default-gate set, unique and apart from the other cluster roles', () => {
    expect(CONTROLLER_ROLES).toHaveLength(34);
    const names = CONTROLLER_ROLES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(CLUSTER_ROLES.map((r) => r.name)).not.toContain(n);
    // off by default in 1.35
    expect(controller('device-taint-eviction-controller')).toBeUndefined();
    expect(controller('kube-apiserver-serving-clustertrustbundle-publisher')).toBeUndefined();
    expect(controller('resource-claim-controller')!.rules!.flatMap((r) => r.resources)).not.toContain('resourceclaims/binding');
    for (const n of ['service-cidrs-controller', 'selinux-warning-controller', 'volumeattributesclass-protection-controller']) expect(controller(n)).toBeDefined();
  });
});

describe('namespaced roles', () => {
  it('has the roles and bindings of kube-system and kube-public', () => {
    expect(NAMESPACE_ROLES.map((r) => `${r.namespace}/${r.name}`)).toEqual([
      'kube-public/system:controller:bootstrap-signer',
      'kube-system/extension-apiserver-authentication-reader',
      'kube-system/system::leader-locking-kube-controller-manager',
      'kube-system/system::leader-locking-kube-scheduler',
      'kube-system/system:controller:bootstrap-signer',
      'kube-system/system:controller:cloud-provider',
      'kube-system/system:controller:token-cleaner',
    ]);
    const sched = NAMESPACE_ROLE_BINDINGS.find((b) => b.name === 'system::leader-locking-kube-scheduler')!;
    expect(sched.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-scheduler' },
      { kind: 'ServiceAccount', name: 'kube-scheduler', namespace: 'kube-system' },
    ]);
    expect(NAMESPACE_ROLE_BINDINGS.find((b) => b.name === 'system::extension-apiserver-authentication-reader')!.role).toBe('extension-apiserver-authentication-reader');
    // every binding refers to a role of its namespace
    for (const b of NAMESPACE_ROLE_BINDINGS) expect(NAMESPACE_ROLES.some((r) => r.namespace === b.namespace && r.name === b.role)).toBe(true);
  });
});
