// The Deployment controller's pure parts (pkg/controller/deployment/util): the pod-template-hash, rolling-update
// arithmetic, revisions and the annotations that carry them, proportional shares, status and conditions.
// Functions of plain objects; deployment.ts does the reading and writing.
import { rfc3339 } from '../apiserver/context';
import { deepEqual, isPlainObject } from '../apiserver/json-util';
import type { KubeObject } from '../resources/types';
import { fnv1a32, safeEncodeString, timeOf } from './controller-utils';
import { sortedKeys } from './workload-helpers';

export const HASH_LABEL = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Annotations a Deployment does not copy onto its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);
const MAX_REV_HISTORY_CHARS = 2000;
const MAX_INT32 = 2147483647;

// ---------------------------------------------------------------------------------------------
// Hash, arithmetic, ordering

/**
 * controller.ComputeHash: FNV-1a over the template (JSON with sorted keys here, not go-spew) and the collision
 * count (little-endian uint32 in 8 bytes), the decimal sum mapped into the vowel-free alphabet.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let hash = fnv1a32(new TextEncoder().encode(JSON.stringify(sortedKeys(template ?? null))));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv1a32(bytes, hash);
  }
  return safeEncodeString(String(hash));
}

/** intstr.GetScaledValueFromIntOrPercent: an int as is; "n%" of total, rounded up or down. */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || !/^\d+%$/.test(v)) return 0;
  const scaled = (Number(v.slice(0, -1)) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** ResolveFenceposts: [maxSurge rounded up, maxUnavailable rounded down]; both zero → unavailable 1. */
export function resolveFenceposts(surge: unknown, unavailable: unknown, desired: number): [number, number] {
  const s = scaledValue(surge ?? 0, desired, true);
  const u = scaledValue(unavailable ?? 0, desired, false);
  return s === 0 && u === 0 ? [0, 1] : [s, u];
}

export const specReplicas = (o: KubeObject | undefined) => (o ? (o.spec?.replicas ?? 1) : 0);
export const isRollingUpdate = (d: KubeObject) => d.spec?.strategy?.type === 'RollingUpdate';

export function maxSurge(d: KubeObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, specReplicas(d))[0];
}

export function maxUnavailable(d: KubeObject): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy.rollingUpdate ?? {};
  return Math.min(resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas)[1], replicas);
}

export const sum = (rss: (KubeObject | undefined)[], f: (rs: KubeObject) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
export const totalSpec = (rss: (KubeObject | undefined)[]) => sum(rss, specReplicas);

/** NewRSNewReplicas: how far the new ReplicaSet may grow now (up to replicas + maxSurge pods in all). */
export function newRSNewReplicas(d: KubeObject, allRSs: (KubeObject | undefined)[], newRS: KubeObject): number {
  if (!isRollingUpdate(d)) return specReplicas(d);
  const maxTotal = specReplicas(d) + scaledValue(d.spec.strategy.rollingUpdate?.maxSurge ?? 0, specReplicas(d), true);
  const current = totalSpec(allRSs);
  if (current >= maxTotal) return specReplicas(newRS);
  return specReplicas(newRS) + Math.min(maxTotal - current, specReplicas(d) - specReplicas(newRS));
}

/** Deep equality where absent, null, {} and [] are the same (apimachinery's semantic equality of empty values). */
function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) ? !v.length : isPlainObject(v) && !Object.keys(v).length);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => semanticEqual(a[k], b[k]));
  return deepEqual(a, b);
}

/** EqualIgnoreHash: two pod templates equal apart from their pod-template-hash label. */
export function equalIgnoreHash(t1: any, t2: any): boolean {
  const strip = (t: any) => {
    const labels = { ...t?.metadata?.labels };
    delete labels[HASH_LABEL];
    return { ...t, metadata: { ...t?.metadata, labels } };
  };
  return semanticEqual(strip(t1), strip(t2));
}

/** A non-negative int32 annotation, undefined when absent or not one. */
export function int32Annotation(rs: KubeObject, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n <= MAX_INT32 ? n : undefined;
}

/** The revision annotation: 0 when absent, NaN when it does not parse. */
function revisionOf(rs: KubeObject): number {
  const v = rs.metadata.annotations?.[REVISION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
}

export const maxRevision = (rss: KubeObject[]) => rss.reduce((m, rs) => (revisionOf(rs) > m ? revisionOf(rs) : m), 0);

/** ReplicaSetsByCreationTimestamp: older first, then by name. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = timeOf(a.metadata.creationTimestamp);
  const tb = timeOf(b.metadata.creationTimestamp);
  if (ta !== tb) return ta - tb;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}

/** ReplicaSetsByRevision: lower revision first; unparsable or equal revisions by creation. */
export function byRevision(a: KubeObject, b: KubeObject): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (Number.isNaN(ra) || Number.isNaN(rb) || ra === rb) return byCreation(a, b);
  return ra - rb;
}

export const activeRSs = (rss: (KubeObject | undefined)[]) => rss.filter((rs): rs is KubeObject => !!rs && specReplicas(rs) > 0);

export function findNewReplicaSet(d: KubeObject, rsList: KubeObject[]): KubeObject | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

// ---------------------------------------------------------------------------------------------
// Status and conditions

export interface DeploymentStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  terminatingReplicas?: number;
  conditions: any[];
  collisionCount?: number;
}

export function readStatus(s: any = {}): DeploymentStatus {
  return {
    observedGeneration: s.observedGeneration ?? 0,
    replicas: s.replicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    unavailableReplicas: s.unavailableReplicas ?? 0,
    terminatingReplicas: s.terminatingReplicas ?? undefined,
    conditions: structuredClone(s.conditions ?? []),
    collisionCount: s.collisionCount ?? undefined,
  };
}

/** DeploymentStatus as JSON: Go's field order, zero numbers and empty conditions omitted. */
export function statusJson(s: DeploymentStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const) {
    if (s[k]) out[k] = s[k];
  }
  if (s.terminatingReplicas !== undefined) out.terminatingReplicas = s.terminatingReplicas;
  if (s.conditions.length) out.conditions = s.conditions;
  if (s.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  return out;
}

export const conditionOf = (s: DeploymentStatus, type: string) => s.conditions.find((c) => c?.type === type);

export function newCondition(type: string, status: string, reason: string, message: string, now: number) {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** SetDeploymentCondition: no-op for the same status and reason; a kept status keeps its transition time. */
export function setCondition(s: DeploymentStatus, c: ReturnType<typeof newCondition>) {
  const cur = conditionOf(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  s.conditions = [...s.conditions.filter((x) => x?.type !== c.type), c];
}

export const removeCondition = (s: DeploymentStatus, type: string) => void (s.conditions = s.conditions.filter((c) => c?.type !== type));

export const hasProgressDeadline = (d: KubeObject) => d.spec?.progressDeadlineSeconds != null && d.spec.progressDeadlineSeconds !== MAX_INT32;
export const hasRevisionHistoryLimit = (d: KubeObject) => d.spec?.revisionHistoryLimit != null && d.spec.revisionHistoryLimit !== MAX_INT32;

export function deploymentComplete(d: KubeObject, s: DeploymentStatus): boolean {
  const n = specReplicas(d);
  return s.updatedReplicas === n && s.replicas === n && s.availableReplicas === n && s.observedGeneration >= (d.metadata.generation ?? 0);
}

/** Progress: more updated, ready or available pods, or fewer old ones. */
export function deploymentProgressing(old: DeploymentStatus, s: DeploymentStatus): boolean {
  return (
    s.updatedReplicas > old.updatedReplicas ||
    s.replicas - s.updatedReplicas < old.replicas - old.updatedReplicas ||
    s.readyReplicas > old.readyReplicas ||
    s.availableReplicas > old.availableReplicas
  );
}

export function deploymentTimedOut(d: KubeObject, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = conditionOf(s, 'Progressing');
  if (!c || c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  return timeOf(c.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 < now;
}

/** GetTerminatingReplicaCountForReplicaSets: unknown as soon as an observed ReplicaSet does not report it. */
export function terminatingReplicas(rss: (KubeObject | undefined)[]): number | undefined {
  let n = 0;
  for (const rs of rss) {
    if (!rs) continue;
    const t = rs.status?.terminatingReplicas;
    if (t === undefined || t === null) {
      if (!rs.status?.observedGeneration) continue;
      return undefined;
    }
    n += t;
  }
  return n;
}

/** calculateStatus: counts summed over the ReplicaSets, the previous conditions, and Available. */
export function calculateStatus(d: KubeObject, prev: DeploymentStatus, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, now: number): DeploymentStatus {
  const available = sum(allRSs, (rs) => rs.status?.availableReplicas ?? 0);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sum(allRSs, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(allRSs, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(totalSpec(allRSs) - available, 0),
    terminatingReplicas: terminatingReplicas(allRSs),
    conditions: structuredClone(prev.conditions),
    collisionCount: prev.collisionCount,
  };
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
  }
  return status;
}

// ---------------------------------------------------------------------------------------------
// Annotations and revisions

/** Copies the deployment's annotations and the revision onto a new ReplicaSet; true when it changed. */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: number, exists: boolean): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries<string>(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const had = Object.hasOwn(a, REVISION);
  const oldRevision = a[REVISION] ?? '';
  let old = 0;
  if (oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    old = Number(oldRevision);
  }
  if (old < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
    // An older revision made current again (a rollback): remember the number it had.
    if (had) a[REVISION_HISTORY] = appendRevisionHistory(a[REVISION_HISTORY] ?? '', oldRevision);
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

function appendRevisionHistory(history: string, revision: string): string {
  if (!history) return revision;
  const old = history.split(',');
  let total = history.length + revision.length + 1;
  let start = 0;
  while (total > MAX_REV_HISTORY_CHARS && start < old.length) total -= old[start++].length + 1;
  return total <= MAX_REV_HISTORY_CHARS ? [...old.slice(start), revision].join(',') : history;
}

export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  if (a[DESIRED_REPLICAS] === String(desired) && a[MAX_REPLICAS] === String(max)) return false;
  a[DESIRED_REPLICAS] = String(desired);
  a[MAX_REPLICAS] = String(max);
  return true;
}

export const replicasAnnotationsNeedUpdate = (rs: KubeObject, desired: number, max: number) =>
  rs.metadata.annotations?.[DESIRED_REPLICAS] !== String(desired) || rs.metadata.annotations?.[MAX_REPLICAS] !== String(max);

export function setDeploymentRevision(d: KubeObject, revision: string): boolean {
  const a = (d.metadata.annotations ??= {});
  if (a[REVISION] === revision) return false;
  a[REVISION] = revision;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Scaling

export const availableOf = (rs: KubeObject | undefined) => rs?.status?.availableReplicas ?? 0;

/** IsSaturated: the new ReplicaSet holds, and has available, all the replicas, and knows it. */
export function isSaturated(d: KubeObject, rs: KubeObject | undefined): boolean {
  if (!rs) return false;
  const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
  if (desired === undefined || !/^[+-]?\d+$/.test(desired)) return false;
  const n = specReplicas(d);
  return specReplicas(rs) === n && Number(desired) === n && availableOf(rs) === n;
}

/** FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active; undefined for several. */
export function activeOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
  if (!newRS && !oldRSs.length) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeRSs([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** GetProportion: this ReplicaSet's share of `toAdd`, bounded by what is left. */
export function proportion(d: KubeObject, rs: KubeObject, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(d, rs);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** getReplicaSetFraction: the size change that keeps its share of the max-replicas it was last sized for. */
function replicaSetFraction(d: KubeObject, rs: KubeObject): number {
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const deploymentMax = specReplicas(d) + maxSurge(d);
  const annotated = int32Annotation(rs, MAX_REPLICAS) ?? d.status?.replicas ?? 0;
  if (!annotated) return 0;
  return Math.floor((specReplicas(rs) * deploymentMax) / annotated + 0.5) - specReplicas(rs);
}

/** The ReplicaFailure condition of the new ReplicaSet, else of any old one. */
export function replicaFailure(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined) {
  for (const rs of [newRS, ...allRSs]) {
    const c = (rs?.status?.conditions ?? []).find((x: any) => x?.type === 'ReplicaFailure');
    if (c) {
      return { type: 'ReplicaFailure', status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
    }
  }
  return undefined;
}
