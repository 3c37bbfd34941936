// Escalation prevention (pkg/registry/rbac: escalation_check.go, validation/rule.go Covers and
// ConfirmNoEscalation, validation/policy_compact.go, the policybased storages): nobody can grant through a
// role or a binding permissions they do not hold, unless they are system:masters or hold `escalate` / `bind`.
import type { ApiContext, UserInfo } from '../apiserver/context';
import { forbidden, notFound } from '../apiserver/errors';
import { deepEqual } from '../apiserver/json-util';
import type { KubeObject } from '../resources/types';
import { RBAC_GROUP, authorize, isMaster, rulesFor, type PolicyRule, type RbacView, type RoleRef } from './rbac';
import { rbacView } from './rbac-view';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** BreakdownRule: one rule per (group, resource, verb[, name]) and per (url, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const hasAll = (set: readonly string[] = [], want: readonly string[] = []) => want.every((w) => set.includes(w));

function resourcesCover(owner: readonly string[] = [], wanted: readonly string[] = []): boolean {
  if (owner.includes('*') || hasAll(owner, wanted)) return true;
  // `*/status` covers the status of every resource
  return wanted.every((r) => owner.includes(r) || (r.includes('/') && owner.includes(`*/${r.slice(r.indexOf('/') + 1)}`)));
}

const urlCovers = (owner: string, wanted: string) => owner === wanted || (owner.endsWith('*') && wanted.startsWith(owner.slice(0, -1)));

function ruleCovers(owner: PolicyRule, wanted: PolicyRule): boolean {
  const names = wanted.resourceNames?.length ? !owner.resourceNames?.length || hasAll(owner.resourceNames, wanted.resourceNames) : !owner.resourceNames?.length;
  return (
    (owner.verbs.includes('*') || hasAll(owner.verbs, wanted.verbs)) &&
    ((owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, wanted.apiGroups)) &&
    resourcesCover(owner.resources, wanted.resources) &&
    names &&
    (wanted.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, u)))
  );
}

/** Covers: the broken-down rules of `wanted` that no rule of `owner` covers. */
export function uncovered(owner: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdownRule).filter((w) => !owner.some((o) => ruleCovers(o, w)));
}

/** CompactRules: single-group, single-resource, at most one name rules merged per (group, resource, name). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const seen = simple.get(key);
    if (seen) seen.verbs = [...seen.verbs, ...r.verbs];
    else simple.set(key, structuredClone(r));
  }
  return [...out, ...simple.values()];
}

const goQuoted = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/** rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** ConfirmNoEscalation: undefined when `user` holds every rule in `namespace`, else the error text. */
export function escalationError(view: RbacView, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const owned = rulesFor(view, user, namespace);
  const missing = uncovered(owned.rules, rules);
  if (!missing.length) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (owned.errors.length) msg += `; resolution errors: [${owned.errors.length === 1 ? owned.errors[0] : `[${owned.errors.join(', ')}]`}]`;
  return msg;
}

const gr = (resource: string) => ({ group: RBAC_GROUP, resource });

/** IsOnlyMutatingGCFields: an update that only changes ownerReferences or finalizers. */
function onlyGCFields(obj: KubeObject, old: KubeObject): boolean {
  const copy = { ...obj, metadata: { ...obj.metadata, ownerReferences: old.metadata.ownerReferences, finalizers: old.metadata.finalizers } };
  if (copy.metadata.ownerReferences === undefined) delete copy.metadata.ownerReferences;
  if (copy.metadata.finalizers === undefined) delete copy.metadata.finalizers;
  return deepEqual(copy, old);
}

/** The `escalate` (roles) or `bind` (bindings) permission, checked as the API server's own SAR. */
function holds(view: RbacView, user: UserInfo, verb: string, resource: string, namespace: string, name: string) {
  return authorize(view, user, { verb, apiGroup: RBAC_GROUP, resource, subresource: '', namespace, name, path: '' }).allowed;
}

/**
 * authorizeWrite of Role (namespace set) and ClusterRole: the rules must be held, unless the user may
 * `escalate`; an aggregationRule needs cluster-admin's own authority.
 */
export function checkRoleWrite(ctx: ApiContext, namespace: string, role: KubeObject, old?: KubeObject) {
  const user = ctx.requester!;
  if (isMaster(user)) return;
  const view = rbacView(ctx.store);
  const resource = namespace ? 'roles' : 'clusterroles';
  const name = role.metadata.name ?? '';
  // the request's name: empty on create (a POST to the collection)
  if (holds(view, user, 'escalate', resource, namespace, old ? name : '')) return;
  if (old && onlyGCFields(role, old)) return;
  const err = escalationError(view, user, namespace, role.rules ?? []);
  if (err) throw forbidden(gr(resource), name, err);
  const aggregates = (r?: KubeObject) => (r?.aggregationRule?.clusterRoleSelectors?.length ?? 0) > 0;
  if (!namespace && (aggregates(role) || aggregates(old)) && escalationError(view, user, '', FULL_AUTHORITY)) {
    throw forbidden(gr(resource), name, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

/**
 * authorizeWrite of RoleBinding (namespace set) and ClusterRoleBinding: the referenced role's permissions must
 * be held, unless the user may `bind` it. The role must exist (404).
 */
export function checkBindingWrite(ctx: ApiContext, namespace: string, binding: KubeObject, old?: KubeObject) {
  const user = ctx.requester!;
  if (isMaster(user)) return;
  if (old && onlyGCFields(binding, old)) return;
  const view = rbacView(ctx.store);
  const ref = (binding.roleRef ?? {}) as RoleRef;
  const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : ref.kind === 'Role' ? 'roles' : undefined;
  // an unknown kind is refused by validation, after this check
  if (!refResource) return;
  if (holds(view, user, 'bind', refResource, namespace, ref.name ?? '')) return;
  const role = refResource === 'clusterroles' ? view.clusterRole(ref.name) : view.role(namespace, ref.name);
  if (!role) throw notFound(gr(refResource), ref.name ?? '');
  const err = escalationError(view, user, namespace, role.rules ?? []);
  if (err) throw forbidden(gr(namespace ? 'rolebindings' : 'clusterrolebindings'), binding.metadata.name ?? '', err);
}
