// rbac.authorization.k8s.io/v1 ClusterRoleBinding: grants a ClusterRole everywhere; roleRef is immutable
// (pkg/registry/rbac/clusterrolebinding, ValidateClusterRoleBinding(Update)).
import { checkBindingWrite } from '../auth/rbac-escalation';
import { bindingColumns, defaultBinding, validateBinding, validateBindingUpdate } from '../auth/rbac-validation';
import type { ResourceDef } from './types';

export const clusterrolebindings: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  nameRule: 'path',
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, false),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old, false),
  authorizeWrite: checkBindingWrite,
  columns: bindingColumns('clusterRoleBinding'),
};
