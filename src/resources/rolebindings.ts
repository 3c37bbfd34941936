// rbac.authorization.k8s.io/v1 RoleBinding: grants a Role or ClusterRole within one namespace; roleRef is
// immutable (pkg/registry/rbac/rolebinding, ValidateRoleBinding(Update)).
import { checkBindingWrite } from '../auth/rbac-escalation';
import { bindingColumns, defaultBinding, validateBinding, validateBindingUpdate } from '../auth/rbac-validation';
import type { ResourceDef } from './types';

export const rolebindings: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  nameRule: 'path',
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, true),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old, true),
  authorizeWrite: checkBindingWrite,
  columns: bindingColumns('roleBinding'),
};
