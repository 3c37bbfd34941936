// rbac.authorization.k8s.io/v1 ClusterRole: cluster-wide rules, or an aggregationRule whose rules the
// aggregation controller fills in (pkg/registry/rbac/clusterrole, ValidateClusterRole).
import { checkRoleWrite } from '../auth/rbac-escalation';
import { defaultRole, validateAggregationRule, validateRules } from '../auth/rbac-validation';
import type { ResourceDef } from './types';

export const clusterroles: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  nameRule: 'path',
  defaults: defaultRole,
  validate: (obj) => [...validateRules(obj.rules, false), ...validateAggregationRule(obj)],
  authorizeWrite: checkRoleWrite,
};
