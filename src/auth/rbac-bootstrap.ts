// Writes the default RBAC policy into a new cluster through the write path, as the API server's
// rbac/bootstrap-roles post-start hook does, then aggregates admin/edit/view at once so a fresh cluster
// answers `kubectl describe clusterrole view` without waiting for the control plane.
import type { ApiContext } from '../apiserver/context';
import { createObject } from '../apiserver/writes';
import { aggregateClusterRoles } from '../controllers/clusterrole-aggregation';
import { findResource } from '../resources/registry';
import { AGGREGATE_TO, CLUSTER_ROLES, CLUSTER_ROLE_BINDINGS } from './rbac-bootstrap-policy';
import { CONTROLLER_ROLES, CONTROLLER_ROLE_BINDINGS, NAMESPACE_ROLES, NAMESPACE_ROLE_BINDINGS } from './rbac-bootstrap-controllers';
import { RBAC_GROUP } from './rbac';

const BOOTSTRAP_META = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

export function bootstrapRbac(ctx: ApiContext) {
  const clusterRoles = findResource(RBAC_GROUP, 'v1', 'clusterroles')!;
  const clusterRoleBindings = findResource(RBAC_GROUP, 'v1', 'clusterrolebindings')!;
  for (const role of [...CLUSTER_ROLES, ...CONTROLLER_ROLES]) {
    const body: Record<string, any> = {
      metadata: { name: role.name, labels: { ...BOOTSTRAP_META.labels, ...role.labels }, annotations: { ...BOOTSTRAP_META.annotations } },
      rules: structuredClone(role.rules ?? null),
    };
    if (role.aggregateFrom) body.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [`${AGGREGATE_TO}${role.aggregateFrom}`]: 'true' } }] };
    createObject(ctx, clusterRoles, '', body);
  }
  for (const b of [...CLUSTER_ROLE_BINDINGS, ...CONTROLLER_ROLE_BINDINGS]) {
    const body: Record<string, any> = {
      metadata: { name: b.name, labels: { ...BOOTSTRAP_META.labels }, annotations: { ...BOOTSTRAP_META.annotations } },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: b.name },
    };
    if (b.subjects.length) body.subjects = structuredClone(b.subjects);
    createObject(ctx, clusterRoleBindings, '', body);
  }
  const roles = findResource(RBAC_GROUP, 'v1', 'roles')!;
  const roleBindings = findResource(RBAC_GROUP, 'v1', 'rolebindings')!;
  for (const role of NAMESPACE_ROLES) {
    const metadata = { name: role.name, namespace: role.namespace, labels: { ...BOOTSTRAP_META.labels }, annotations: { ...BOOTSTRAP_META.annotations } };
    createObject(ctx, roles, role.namespace, { metadata, rules: structuredClone(role.rules ?? null) });
  }
  for (const b of NAMESPACE_ROLE_BINDINGS) {
    const metadata = { name: b.name, namespace: b.namespace, labels: { ...BOOTSTRAP_META.labels }, annotations: { ...BOOTSTRAP_META.annotations } };
    createObject(ctx, roleBindings, b.namespace, { metadata, roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: b.role }, subjects: structuredClone(b.subjects) });
  }
  // view feeds edit, which feeds admin: one pass per level
  for (let i = 0; i < 3; i++) aggregateClusterRoles(ctx);
}
