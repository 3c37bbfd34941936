// rbac.authorization.k8s.io/v1 Role: rules granted in one namespace (pkg/registry/rbac/role, ValidateRole).
// Printed with the default Name / Created At columns, as upstream's printRole does.
import { checkRoleWrite } from '../auth/rbac-escalation';
import { defaultRole, validateRules } from '../auth/rbac-validation';
import type { ResourceDef } from './types';

export const roles: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  nameRule: 'path',
  defaults: defaultRole,
  validate: (obj) => validateRules(obj.rules, true),
  authorizeWrite: checkRoleWrite,
};
