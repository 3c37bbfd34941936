// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac, rbac/v1 evaluation_helpers, registry/rbac/validation
// rule.go), as pure functions over a view of the cluster's roles and bindings. Allow-only: a request is allowed
// when some rule of some role bound to the user allows it, else denied (no opinion). Members of system:masters
// are allowed before RBAC is asked, as kube-apiserver's privileged-group authorizer does (with no reason).
import type { UserInfo } from '../apiserver/context';
import type { KubeObject } from '../resources/types';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const MASTERS = 'system:masters';
const SA_PREFIX = 'system:serviceaccount:';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

/** What is asked (authorizer.Attributes): a resource request, or a non-resource path when `resource` is undefined. */
export interface Attributes {
  verb: string;
  apiGroup: string;
  resource?: string;
  subresource: string;
  namespace: string;
  name: string;
  /** the URL path of a non-resource request */
  path: string;
}

/**
 * The roles and bindings the authorizer reads. Binding lookups may return more candidates than apply (the
 * caller checks the subjects); they are returned in name order so that the first allowing binding is stable.
 */
export interface RbacView {
  clusterBindingsFor(user: UserInfo): readonly KubeObject[];
  roleBindingsFor(user: UserInfo, namespace: string): readonly KubeObject[];
  clusterRole(name: string): KubeObject | undefined;
  role(namespace: string, name: string): KubeObject | undefined;
}

export interface Decision {
  allowed: boolean;
  /** `RBAC: allowed by ...`, or the role resolution errors of a denial; '' when there is nothing to say */
  reason: string;
}

export const isMaster = (user: UserInfo) => user.groups.includes(MASTERS);

/** serviceaccount.SplitUsername: `system:serviceaccount:<ns>:<name>` → [ns, name]. */
export function splitServiceAccount(username: string): [string, string] | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return [parts[0], parts[1]];
}

// ---- rule matching (rbac/v1 evaluation_helpers.go) ----

const has = (list: readonly string[] | undefined, v: string) => !!list && list.includes(v);

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    // `*/scale` matches the scale subresource of every resource
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

function urlMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  const verb = has(rule.verbs, '*') || has(rule.verbs, a.verb);
  if (a.resource === undefined) return verb && urlMatches(rule, a.path);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (
    verb &&
    (has(rule.apiGroups, '*') || has(rule.apiGroups, a.apiGroup)) &&
    resourceMatches(rule, combined, a.subresource) &&
    (!rule.resourceNames?.length || has(rule.resourceNames, a.name))
  );
}

// ---- bindings → rules (registry/rbac/validation/rule.go VisitRulesFor) ----

function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      // a RoleBinding may name a service account of its own namespace without a namespace
      const ns = s.namespace || bindingNamespace;
      return !!ns && user.username === `${SA_PREFIX}${ns}:${s.name}`;
    }
  }
  return false;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** The role a binding refers to, with the lister's NotFound text when it is missing. */
export function roleRefRules(view: RbacView, ref: RoleRef, namespace: string): { rules?: PolicyRule[]; error?: string } {
  if (ref.kind === 'ClusterRole') {
    const role = view.clusterRole(ref.name);
    return role ? { rules: role.rules ?? [] } : { error: `clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
  }
  if (ref.kind === 'Role' && namespace) {
    const role = view.role(namespace, ref.name);
    return role ? { rules: role.rules ?? [] } : { error: `role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
  }
  return { error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
}

/**
 * Visits the rules of every binding that applies to `user`: cluster bindings, then the role bindings of
 * `namespace`. `visit` gets a description of the source, or an error; returning false stops.
 */
export function visitRules(
  view: RbacView,
  user: UserInfo,
  namespace: string,
  visit: (source: string | undefined, rule: PolicyRule | undefined, error?: string) => boolean,
) {
  const bindings = [...view.clusterBindingsFor(user), ...(namespace ? view.roleBindingsFor(user, namespace) : [])];
  for (const b of bindings) {
    const ns = b.metadata.namespace ?? '';
    const subject = (b.subjects as Subject[] | undefined)?.find((s) => appliesTo(user, s, ns));
    if (!subject) continue;
    const { rules, error } = roleRefRules(view, b.roleRef, ns);
    if (error) {
      if (!visit(undefined, undefined, error)) return;
      continue;
    }
    const name = b.metadata.name!;
    const source = ns
      ? `RoleBinding ${JSON.stringify(`${name}/${ns}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, ns)}`
      : `ClusterRoleBinding ${JSON.stringify(name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, ns)}`;
    for (const rule of rules!) if (!visit(source, rule)) return;
  }
}

/** utilerrors.NewAggregate(errs).Error(). */
export const aggregate = (errs: string[]) => (errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);

/** RBACAuthorizer.Authorize behind the privileged-group authorizer. */
export function authorize(view: RbacView, user: UserInfo, a: Attributes): Decision {
  if (isMaster(user)) return { allowed: true, reason: '' };
  let reason = '';
  const errors: string[] = [];
  visitRules(view, user, a.namespace, (source, rule, error) => {
    if (rule && ruleAllows(a, rule)) {
      reason = `RBAC: allowed by ${source}`;
      return false;
    }
    if (error) errors.push(error);
    return true;
  });
  if (reason) return { allowed: true, reason };
  return { allowed: false, reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
}

/** RulesFor: every rule the user holds in `namespace` (cluster-wide ones included), and the resolution errors. */
export function rulesFor(view: RbacView, user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRules(view, user, namespace, (_source, rule, error) => {
    if (rule) rules.push(rule);
    if (error) errors.push(error);
    return true;
  });
  return { rules, errors };
}

// ---- the Forbidden answer (responsewriters.Forbidden / forbiddenMessage) ----

const htmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The message after `forbidden: ` / `<resource> "<name>" is forbidden: ` (the attributes part HTML-escaped, not the reason). */
export function forbiddenMessage(username: string, a: Attributes, reason: string): string {
  const who = `User ${JSON.stringify(username)}`;
  let msg: string;
  if (a.resource === undefined) msg = `${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  else {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
    msg = `${who} cannot ${a.verb} resource ${JSON.stringify(res)} in API group ${JSON.stringify(a.apiGroup)} ${scope}`;
  }
  return reason ? `${htmlEscape(msg)}: ${reason}` : htmlEscape(msg);
}
