// The resource quota controller (pkg/controller/resourcequota, policy.md §2.6): every quota's status.hard
// follows spec.hard and status.used is recalculated from the objects in its namespace, so usage falls again
// when pods finish or objects are deleted (admission only ever adds). Writes only what changed.
import { resKey, type ApiContext } from '../apiserver/context';
import { updateObject } from '../apiserver/writes';
import { parseResourceList } from '../admission/pod-resources';
import { quantityString } from '../admission/quantity';
import { evaluatorsFor, namespaceUsage } from '../admission/resource-quota';
import { RESOURCES, findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { quietly } from './controller-utils';
import type { Controller } from './types';

const QUOTAS = findResource('', 'v1', 'resourcequotas')!;
const PODS = findResource('', 'v1', 'pods')!;

/** Resources the API serves: only those get an object-count evaluator (upstream discovers them). */
const served = (group: string, plural: string) => RESOURCES.some((d) => d.group === group && d.plural === plural);

type Strings = Record<string, string>;

const sameList = (a: Strings = {}, b: Strings = {}) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]);

/**
 * syncResourceQuota: hard = spec.hard; used = the previous usage, overwritten for every hard resource an
 * evaluator tracks with what the namespace holds now, and limited to the hard resources.
 */
export function syncedStatus(ctx: ApiContext, quota: KubeObject, now: number): { hard?: Strings; used?: Strings } {
  const hard: Strings = {};
  for (const [k, q] of Object.entries(parseResourceList(quota.spec?.hard))) hard[k] = quantityString(q);
  const names = Object.keys(hard);
  const previous: Strings = quota.status?.used ?? {};
  const used: Strings = {};
  for (const n of names) if (previous[n] !== undefined) used[n] = previous[n];
  for (const ev of evaluatorsFor(names, served)) {
    const matched = ev.matching(names);
    const usage = namespaceUsage(ctx, ev, quota, matched, now);
    for (const n of matched) used[n] = quantityString(usage[n]);
  }
  // Empty lists are omitted, as Go serializes them.
  return { ...(names.length ? { hard } : {}), ...(Object.keys(used).length ? { used } : {}) };
}

/** The earliest time a deleting pod in a quota's namespace stops being charged (its grace period runs out). */
function nextExpiry(ctx: ApiContext, quotas: KubeObject[], now: number): number | undefined {
  let next: number | undefined;
  for (const ns of new Set(quotas.map((q) => q.metadata.namespace ?? ''))) {
    for (const { obj } of ctx.store.list(resKey(PODS), ns)) {
      const m = obj.metadata;
      if (!m.deletionTimestamp || m.deletionGracePeriodSeconds == null) continue;
      const at = Date.parse(m.deletionTimestamp) + m.deletionGracePeriodSeconds * 1000 + 1;
      if (at > now && (next === undefined || at < next)) next = at;
    }
  }
  return next;
}

/** Per store: the revision last synced and when time alone changes usage; nothing to do until either moves. */
const synced = new WeakMap<object, { rv: number; due?: number }>();

export const resourceQuotaController: Controller = {
  name: 'resourcequota',
  identity: 'system:serviceaccount:kube-system:resourcequota-controller',
  reconcile(ctx) {
    const quotas = ctx.store.list(resKey(QUOTAS), '').map((e) => e.obj);
    if (!quotas.length) return undefined;
    const now = ctx.now();
    const last = synced.get(ctx.store);
    if (last && last.rv === ctx.store.rv && (last.due === undefined || now < last.due)) return last.due;
    for (const quota of quotas) {
      const status = syncedStatus(ctx, quota, now);
      const current = quota.status ?? {};
      if (sameList(status.hard, current.hard) && sameList(status.used, current.used)) continue;
      const body = structuredClone(quota);
      body.status = status;
      quietly(() => updateObject(ctx, QUOTAS, quota.metadata.namespace!, quota.metadata.name!, body, 'status'));
    }
    const due = nextExpiry(ctx, quotas, now);
    synced.set(ctx.store, { rv: ctx.store.rv, due });
    return due;
  },
};
