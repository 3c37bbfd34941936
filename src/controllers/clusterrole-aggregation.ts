// clusterrole-aggregation-controller (pkg/controller/clusterroleaggregation): a ClusterRole with an
// aggregationRule gets the rules of every other ClusterRole its selectors match (sources in name order, each
// rule once). Skips all work while no ClusterRole changed since its last look.
import { resKey, type ApiContext } from '../apiserver/context';
import { deepEqual } from '../apiserver/json-util';
import { labelSelectorRequirements, matchLabelRequirements } from '../apiserver/selectors';
import { updateObject } from '../apiserver/writes';
import type { Entry, Store } from '../durable/store';
import type { PolicyRule } from '../auth/rbac';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { quietly } from './controller-utils';
import type { Controller } from './types';

const CLUSTER_ROLES = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
const MANAGER = 'clusterrole-aggregation-controller';

/** The rules `role` aggregates from `all` (name-ordered ClusterRoles), or undefined when its selectors do not parse. */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): PolicyRule[] | undefined {
  const rules: PolicyRule[] = [];
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    let reqs;
    try {
      reqs = labelSelectorRequirements(selector);
    } catch {
      return undefined;
    }
    for (const source of all) {
      if (source.metadata.name === role.metadata.name || !matchLabelRequirements(reqs, source.metadata.labels)) continue;
      for (const rule of source.rules ?? []) if (!rules.some((r) => deepEqual(r, rule))) rules.push(rule);
    }
  }
  return rules;
}

/** The ClusterRole entries last reconciled, per store: unchanged entries mean nothing to do. */
const seen = new WeakMap<Store, Entry[]>();

/** One pass over every aggregated ClusterRole; writes the ones whose rules differ. */
export function aggregateClusterRoles(ctx: ApiContext) {
  const entries = ctx.store.list(resKey(CLUSTER_ROLES), '');
  const last = seen.get(ctx.store);
  if (last && last.length === entries.length && last.every((e, i) => e === entries[i])) return;
  seen.set(ctx.store, entries);
  const all = entries.map((e) => e.obj);
  for (const role of all) {
    if (!role.aggregationRule) continue;
    const rules = aggregatedRules(role, all);
    // nil and empty rules are the same to the controller (semantic equality)
    if (!rules || deepEqual(rules, role.rules ?? [])) continue;
    const next = structuredClone(role);
    next.rules = rules;
    quietly(() => updateObject(ctx, CLUSTER_ROLES, '', role.metadata.name!, next, '', { manager: MANAGER }));
  }
}

export const clusterRoleAggregationController: Controller = {
  name: 'clusterrole-aggregation',
  identity: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller',
  reconcile(ctx) {
    aggregateClusterRoles(ctx);
    return undefined;
  },
};
