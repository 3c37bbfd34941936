// The ReplicaSet and ReplicationController controllers (pkg/controller/replicaset, pkg/controller/replication,
// control-plane.md §1): one sync serving both kinds. Keeps spec.replicas active pods made from the template,
// adopts matching orphans, releases pods that stop matching, and reports status.
//
// Expectations (§X.2) exist upstream because informer caches lag behind writes; this store is read-your-writes,
// so they are always satisfied. The work queue's retry back-off is kept (controller-utils.ts).
import { resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { validateName } from '../apiserver/names';
import { labelSelectorRequirements, matchLabelRequirements, type LabelRequirement } from '../apiserver/selectors';
import { updateObject } from '../apiserver/writes';
import { deepEqual } from '../apiserver/json-util';
import { findResource } from '../resources/registry';
import type { KubeObject, ResourceDef } from '../resources/types';
import {
  availableAt,
  claimObjects,
  controllerRefOf,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isPodTerminating,
  newControllerRef,
  podReadyCondition,
  retryForget,
  retryLater,
  retryPending,
  slowStartBatch,
  timeOf,
} from './controller-utils';
import type { Controller } from './types';
import { IDENTITY, PODS, createPodFor, deletePodFor, earliest } from './workload-helpers';

/** Pods one sync creates or deletes at most (BurstReplicas). */
export const BURST_REPLICAS = 500;

interface Kind {
  def: ResourceDef;
  component: string;
  /** the owner's selector as requirements; undefined when it does not parse (nothing is managed then) */
  selector: (owner: KubeObject) => LabelRequirement[] | undefined;
  /** status.terminatingReplicas (ReplicaSets in 1.35; never ReplicationControllers) */
  terminatingReplicas: boolean;
}

function parse(sel: any): LabelRequirement[] | undefined {
  try {
    return labelSelectorRequirements(sel);
  } catch {
    return undefined;
  }
}

const REPLICASET: Kind = {
  def: findResource('apps', 'v1', 'replicasets')!,
  component: 'replicaset-controller',
  selector: (rs) => parse(rs.spec?.selector),
  terminatingReplicas: true,
};

const REPLICATION_CONTROLLER: Kind = {
  def: findResource('', 'v1', 'replicationcontrollers')!,
  component: 'replication-controller',
  // labels.SelectorFromSet: an empty map selects everything (validation requires a non-empty one).
  selector: (rc) => parse({ matchLabels: rc.spec?.selector ?? {} }),
  terminatingReplicas: false,
};

export const replicaSetController: Controller = {
  name: 'replicaset',
  identity: IDENTITY,
  reconcile: (ctx) => reconcileKind(ctx, REPLICASET),
};

export const replicationController: Controller = {
  name: 'replicationcontroller',
  identity: IDENTITY,
  reconcile: (ctx) => reconcileKind(ctx, REPLICATION_CONTROLLER),
};

function reconcileKind(ctx: ApiContext, kind: Kind): number | undefined {
  const owners = ctx.store.list(resKey(kind.def), '');
  if (!owners.length) return undefined;
  const budget = { pods: BURST_REPLICAS };
  const podsByNs = new Map<string, KubeObject[]>();
  const podsIn = (ns: string) => {
    let pods = podsByNs.get(ns);
    if (!pods) podsByNs.set(ns, (pods = ctx.store.list(resKey(PODS), ns).map((e) => e.obj)));
    return pods;
  };
  const all = owners.map((e) => e.obj);
  let wake: number | undefined;
  for (const obj of all) {
    const ns = obj.metadata.namespace!;
    const rv = ctx.store.rv;
    const at = syncOwner(ctx, kind, obj, podsIn(ns), all, budget);
    // Something was written: later owners read the namespace's pods afresh.
    if (ctx.store.rv !== rv) podsByNs.delete(ns);
    wake = earliest(wake, at);
  }
  return wake;
}

/** syncReplicaSet for one owner; returns when it must run again. */
function syncOwner(ctx: ApiContext, kind: Kind, owner: KubeObject, pods: KubeObject[], owners: KubeObject[], budget: { pods: number }): number | undefined {
  const selector = kind.selector(owner);
  if (!selector) return undefined;
  const uid = owner.metadata.uid;
  const matches = (p: KubeObject) => matchLabelRequirements(selector, p.metadata.labels);
  const mine = pods.filter((p) => {
    const ref = controllerRefOf(p);
    return !ref || ref.uid === uid;
  });
  let active = claimObjects(ctx, PODS, owner, mine.filter(isPodActive), matches);
  const terminating = mine.filter((p) => isPodTerminating(p) && controllerRefOf(p)?.uid === uid && matches(p));

  const key = `${kind.def.kind}/${uid}`;
  const diff = active.length - (owner.spec?.replicas ?? 1);
  // What this sync read: when a failed sync's writes or anyone else's change it, the retry comes at once
  // (as the informer event of a changed owner or pod would bring it); otherwise after the back-off.
  const read = fingerprint(owner, active);
  let error: unknown;
  let retryAt: number | undefined;
  if (!owner.metadata.deletionTimestamp) {
    retryAt = retryPending(ctx, key, read);
    if (retryAt === undefined) {
      const result = manageReplicas(ctx, kind, owner, active, () => related(kind, owner, owners, pods), budget);
      error = result.error;
      active = result.active;
    }
  }
  // While a failed sync waits for its retry, its ReplicaFailure condition stands.
  const failed = retryAt !== undefined ? 'waiting' : error !== undefined ? { error, diff } : undefined;
  const status = calculateStatus(kind, owner, active, terminating, failed, ctx.now());
  const current = ctx.store.get(resKey(kind.def), owner.metadata.namespace!, owner.metadata.name!)?.obj ?? owner;
  if (!deepEqual(current.status, status)) {
    updateObject(ctx, kind.def, current.metadata.namespace!, current.metadata.name!, { ...structuredClone(current), status }, 'status');
  }
  if (error !== undefined) retryAt = retryLater(ctx, key, read);
  else if (retryAt === undefined) retryForget(ctx, key);
  return earliest(retryAt, nextAvailabilityCheck(owner, active, ctx.now()));
}

/** The versions of the owner and its pods. */
const fingerprint = (owner: KubeObject, pods: KubeObject[]) =>
  [owner.metadata.resourceVersion, ...pods.map((p) => p.metadata.resourceVersion).sort()].join(',');

/** The earliest instant a Ready pod becomes available (FindMinNextPodAvailabilityCheck). */
function nextAvailabilityCheck(owner: KubeObject, active: KubeObject[], now: number): number | undefined {
  const minReady = owner.spec?.minReadySeconds ?? 0;
  if (!minReady) return undefined;
  let next: number | undefined;
  for (const p of active) {
    const at = availableAt(p, minReady);
    if (at !== undefined && at > now) next = earliest(next, at);
  }
  return next;
}

/**
 * Pods of every ReplicaSet controlled by the same owner as this one (getIndirectlyRelatedPods): their spread
 * over nodes ranks which pods to delete first. A ReplicaSet without a controller, and every
 * ReplicationController, has none.
 */
function related(kind: Kind, owner: KubeObject, owners: KubeObject[], pods: KubeObject[]): KubeObject[] {
  const ref = controllerRefOf(owner);
  if (!ref || kind !== REPLICASET) return [];
  const seen = new Set<string>();
  const out: KubeObject[] = [];
  for (const sibling of owners) {
    if (sibling.metadata.namespace !== owner.metadata.namespace || controllerRefOf(sibling)?.uid !== ref.uid) continue;
    const sel = kind.selector(sibling);
    if (!sel) continue;
    for (const p of pods) {
      if (seen.has(p.metadata.uid!) || !matchLabelRequirements(sel, p.metadata.labels)) continue;
      seen.add(p.metadata.uid!);
      out.push(p);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// manageReplicas

function manageReplicas(
  ctx: ApiContext,
  kind: Kind,
  owner: KubeObject,
  active: KubeObject[],
  relatedPods: () => KubeObject[],
  budget: { pods: number },
): { active: KubeObject[]; error?: unknown } {
  const diff = active.length - (owner.spec?.replicas ?? 1);
  if (diff < 0) {
    const n = Math.min(-diff, BURST_REPLICAS, budget.pods);
    const created: KubeObject[] = [];
    const { error } = slowStartBatch(n, () => {
      budget.pods--;
      const pod = createPodFor(ctx, owner, podFromTemplate(owner), kind.component);
      if (pod) created.push(pod);
    });
    return { active: [...active, ...created], error };
  }
  if (diff > 0) {
    const n = Math.min(diff, BURST_REPLICAS, budget.pods);
    budget.pods -= n;
    const victims = podsToDelete(active, n < active.length ? relatedPods() : [], n, ctx.now());
    let error: unknown;
    const gone = new Set<string | undefined>();
    for (const pod of victims) {
      try {
        deletePod(ctx, kind, owner, pod);
        gone.add(pod.metadata.uid);
      } catch (e) {
        error ??= e;
      }
    }
    return { active: active.filter((p) => !gone.has(p.metadata.uid)), error };
  }
  return { active };
}

/** getPodsPrefix: `<owner>-`, or the bare name when that is not a valid generateName. */
function podsPrefix(name: string): string {
  const prefix = `${name}-`;
  return validateName('subdomain', prefix, true).length ? name : prefix;
}

/** GetPodFromTemplate: the template's labels, annotations, finalizers and spec, and a controller reference. */
export function podFromTemplate(owner: KubeObject): KubeObject {
  const template = owner.spec?.template ?? {};
  const tm = template.metadata ?? {};
  const metadata: KubeObject['metadata'] = { generateName: podsPrefix(owner.metadata.name!) };
  if (tm.labels && Object.keys(tm.labels).length) metadata.labels = { ...tm.labels };
  if (tm.annotations && Object.keys(tm.annotations).length) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers?.length) metadata.finalizers = [...tm.finalizers];
  metadata.ownerReferences = [newControllerRef(owner)];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec ?? {}) };
}

/** RealPodControl.DeletePod; the sync reports a failure as upstream words it. */
function deletePod(ctx: ApiContext, kind: Kind, owner: KubeObject, pod: KubeObject) {
  try {
    deletePodFor(ctx, owner, pod, kind.component);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    throw new Error(`unable to delete pods: ${e.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Which pods to delete (ActivePodsWithRanks.Less, LogarithmicScaleDown)

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

function deletionCost(p: KubeObject): number {
  const v = p.metadata.annotations?.[DELETION_COST];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

/** int64(log2(now - t)) in nanoseconds, -1 when t is not in the past. */
const logRank = (t: number, now: number) => (now > t ? Math.floor(Math.log2((now - t) * 1e6)) : -1);

/** Newer first on a log2 scale, then by UID; a zero time first (afterOrZero when now is unknown). */
function compareTimes(t1: number, t2: number, a: KubeObject, b: KubeObject, now: number): number {
  if (!t1 || !t2) return t1 === t2 ? 0 : !t1 ? -1 : 1;
  const diff = logRank(t1, now) - logRank(t2, now);
  if (diff !== 0) return diff;
  const ua = a.metadata.uid ?? '';
  const ub = b.metadata.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function maxRestarts(p: KubeObject): [number, number] {
  let regular = 0;
  for (const c of p.status?.containerStatuses ?? []) regular = Math.max(regular, c?.restartCount ?? 0);
  const sidecars = new Set((p.spec?.initContainers ?? []).filter((c: any) => c?.restartPolicy === 'Always').map((c: any) => c.name));
  let sidecar = 0;
  for (const c of p.status?.initContainerStatuses ?? []) if (sidecars.has(c?.name)) sidecar = Math.max(sidecar, c?.restartCount ?? 0);
  return [regular, sidecar];
}

/** Negative when pod `a` should be deleted before pod `b`. */
function comparePods(a: KubeObject, rankA: number, b: KubeObject, rankB: number, now: number): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (!nodeA || !nodeB)) return !nodeA ? -1 : 1;
  const phaseA = PHASE_ORDINAL[a.status?.phase] ?? 0;
  const phaseB = PHASE_ORDINAL[b.status?.phase] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (rankA !== rankB) return rankB - rankA;
  if (readyA && readyB) {
    const t1 = timeOf(podReadyCondition(a).lastTransitionTime);
    const t2 = timeOf(podReadyCondition(b).lastTransitionTime);
    if (t1 !== t2) return compareTimes(t1, t2, a, b, now);
  }
  const [ra, sa] = maxRestarts(a);
  const [rb, sb] = maxRestarts(b);
  if (ra !== rb) return rb - ra;
  if (sa !== sb) return sb - sa;
  const c1 = timeOf(a.metadata.creationTimestamp);
  const c2 = timeOf(b.metadata.creationTimestamp);
  if (c1 !== c2) return compareTimes(c1, c2, a, b, now);
  return 0;
}

/**
 * getPodsToDelete: the `n` pods to delete first: unscheduled, pending, not ready, cheap, doubled up on a node,
 * recently ready, restarting, young. No sorting when all go.
 */
export function podsToDelete(active: KubeObject[], relatedPods: KubeObject[], n: number, now: number): KubeObject[] {
  if (n >= active.length) return active.slice(0, n);
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked = active.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => comparePods(x.pod, x.rank, y.pod, y.rank, now));
  return ranked.slice(0, n).map((r) => r.pod);
}

// ---------------------------------------------------------------------------------------------
// Status (calculateStatus)

/** `failed`: the error of manageReplicas and the replica difference it worked on, or a retry still waiting. */
function calculateStatus(
  kind: Kind,
  owner: KubeObject,
  active: KubeObject[],
  terminating: KubeObject[],
  failed: { error: unknown; diff: number } | 'waiting' | undefined,
  now: number,
) {
  const templateLabels = owner.spec?.template?.metadata?.labels ?? {};
  const minReady = owner.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of active) {
    const labels = p.metadata.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  let conditions: any[] = [...(owner.status?.conditions ?? [])];
  const failure = conditions.find((c) => c?.type === 'ReplicaFailure');
  if (failed && failed !== 'waiting' && !failure) {
    const reason = failed.diff < 0 ? 'FailedCreate' : failed.diff > 0 ? 'FailedDelete' : '';
    const message = failed.error instanceof Error ? failed.error.message : String(failed.error);
    conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(now), reason, message });
  } else if (!failed && failure) {
    conditions = conditions.filter((c) => c?.type !== 'ReplicaFailure');
  }
  // Go field order; zero values are omitted (omitempty) except replicas and the terminatingReplicas pointer.
  const status: Record<string, unknown> = { replicas: active.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (kind.terminatingReplicas) status.terminatingReplicas = terminating.length;
  if (owner.metadata.generation) status.observedGeneration = owner.metadata.generation;
  if (conditions.length) status.conditions = conditions;
  return status;
}
