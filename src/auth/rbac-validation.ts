// What the four RBAC kinds share: v1 defaulting (rbac/v1/defaults.go), validation (pkg/apis/rbac/validation)
// and the binding printer columns (printRoleBinding / printClusterRoleBinding).
import { invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { isDNS1123Subdomain, validateLabelSelector, validateName } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { Column, KubeObject } from '../resources/types';
import { RBAC_GROUP, type PolicyRule, type Subject } from './rbac';

/** Role and ClusterRole: `rules` has no omitempty, so a role without rules shows `rules: null`. */
export function defaultRole(obj: KubeObject) {
  if (obj.rules === undefined) obj.rules = null;
}

/** SetDefaults_RoleBinding / _ClusterRoleBinding / _Subject: the API groups a client may leave out. */
export function defaultBinding(obj: KubeObject) {
  if (obj.roleRef && typeof obj.roleRef === 'object' && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of Array.isArray(obj.subjects) ? obj.subjects : []) {
    if (s && typeof s === 'object' && !s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
  }
}

export function validateRules(rules: PolicyRule[] | null | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((rule, i) => {
    const path = `rules[${i}]`;
    if (!rule?.verbs?.length) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
    if (rule?.nonResourceURLs?.length) {
      if (namespaced) errs.push(invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
        errs.push(invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!rule?.apiGroups?.length) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!rule?.resources?.length) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

export function validateAggregationRule(obj: KubeObject): FieldError[] {
  const rule = obj.aggregationRule;
  if (!rule) return [];
  const selectors: unknown[] = rule.clusterRoleSelectors ?? [];
  if (!selectors.length) return [required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  return selectors.flatMap((sel, i) => validateLabelSelector(sel, `aggregationRule.clusterRoleSelectors[${i}]`));
}

function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const msg of isDNS1123Subdomain(s.name)) errs.push(invalid(`${path}.name`, s.name, msg));
      if (s.apiGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** ValidateRoleBinding (namespaced) / ValidateClusterRoleBinding. */
export function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = obj.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(required('roleRef.name'));
  else for (const msg of validateName('path', ref.name)) errs.push(invalid('roleRef.name', ref.name, msg));
  ((obj.subjects ?? []) as Subject[]).forEach((s, i) => errs.push(...validateSubject(s ?? ({} as Subject), namespaced, `subjects[${i}]`)));
  return errs;
}

/** The internal rbac.RoleRef as a field error renders it (Go field names: the internal type has no JSON tags). */
const internalRoleRef = (r: any) => ({ APIGroup: r?.apiGroup ?? '', Kind: r?.kind ?? '', Name: r?.name ?? '' });

/** ValidateRoleBindingUpdate / ValidateClusterRoleBindingUpdate. */
export function validateBindingUpdate(obj: KubeObject, old: KubeObject, namespaced: boolean): FieldError[] {
  const errs = validateBinding(obj, namespaced);
  const ref = internalRoleRef(obj.roleRef);
  const was = internalRoleRef(old.roleRef);
  if (ref.APIGroup !== was.APIGroup || ref.Kind !== was.Kind || ref.Name !== was.Name) errs.push(invalid('roleRef', ref, 'cannot change roleRef'));
  return errs;
}

/** rbac.SubjectsStrings: users, groups and service accounts (`ns/name`) of a binding. */
function subjectsOf(obj: KubeObject, kind: string): string {
  return ((obj.subjects ?? []) as Subject[])
    .filter((s) => s?.kind === kind)
    .map((s) => (kind === 'ServiceAccount' && s.namespace ? `${s.namespace}/${s.name}` : s.name))
    .join(', ');
}

const ROLE_REF_DESCRIPTION =
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.';

export function bindingColumns(kindName: string): Column[] {
  return [
    nameColumn,
    { name: 'Role', type: 'string', description: ROLE_REF_DESCRIPTION, cell: (o) => `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}` },
    ageColumn,
    { name: 'Users', type: 'string', priority: 1, description: `Users in the ${kindName}`, cell: (o) => subjectsOf(o, 'User') },
    { name: 'Groups', type: 'string', priority: 1, description: `Groups in the ${kindName}`, cell: (o) => subjectsOf(o, 'Group') },
    { name: 'ServiceAccounts', type: 'string', priority: 1, description: `ServiceAccounts in the ${kindName}`, cell: (o) => subjectsOf(o, 'ServiceAccount') },
  ];
}
