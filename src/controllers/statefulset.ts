// The StatefulSet controller (pkg/controller/statefulset, control-plane.md §3.2): pods <set>-<ordinal> with
// stable identity (hostname, subdomain, labels) and storage (one claim per volumeClaimTemplate), created in
// order and each waiting for its predecessor to be Running and Ready (OrderedReady) or all at once (Parallel),
// scaled down from the highest ordinal, rolled to a new revision from the highest ordinal down.
import { type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { deepEqual } from '../apiserver/json-util';
import { matchLabelRequirements } from '../apiserver/selectors';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { emptySelector, selectorRequirementsOf } from '../resources/workload-common';
import { claimObjects, controllerRefOf, isPodAvailable, isPodReady, namespaceTerminating, newControllerRef, retryForget, retryLater, retryPending, safeEncodeString } from './controller-utils';
import { recordEvent } from './events';
import { scaledValue } from './deployment-util';
import { podFromTemplate } from './replicaset';
import type { Controller } from './types';
import { IDENTITY, PODS, currentOf, earliest, fingerprint, listOf, sortedKeys, syncEach, writeStatus } from './workload-helpers';

const STATEFULSETS = findResource('apps', 'v1', 'statefulsets')!;
const REVISIONS = findResource('apps', 'v1', 'controllerrevisions')!;
const CLAIMS = findResource('', 'v1', 'persistentvolumeclaims')!;
const COMPONENT = 'statefulset-controller';
export const HASH_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export const statefulSetController: Controller = {
  name: 'statefulset',
  identity: IDENTITY,
  reconcile: (ctx) => syncEach(listOf(ctx, STATEFULSETS, ''), (set) => syncStatefulSet(ctx, set)),
};

// ---------------------------------------------------------------------------------------------
// Pure helpers (stateful_set_utils.go, controller_history.go)

const ORDINAL = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: `web-2` → ['web', 2]. */
export function parentAndOrdinal(podName: string): [string, number] | undefined {
  const m = ORDINAL.exec(podName);
  return m ? [m[1], Number(m[2])] : undefined;
}

/** getPersistentVolumeClaimName: `<template>-<set>-<ordinal>`. */
export const claimName = (template: string, set: string, ordinal: number) => `${template}-${set}-${ordinal}`;

/** FNV-1 (not 1a), 32 bits. */
export function fnv1_32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = (Math.imul(hash, 0x01000193) ^ b) >>> 0;
  return hash >>> 0;
}

/** Go's json.Marshal of a JSON value: map keys sorted, no spaces, <, >, & and U+2028/9 escaped. */
export function goJson(v: unknown): string {
  return JSON.stringify(sortedKeys(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** HashControllerRevision: FNV-1 over the data and the collision count, digits mapped like every hash. */
export function revisionHash(data: unknown, collisionCount: number | undefined): string {
  const text = goJson(data) + (collisionCount === undefined ? '' : String(collisionCount));
  return safeEncodeString(String(fnv1_32(new TextEncoder().encode(text))));
}

/** getPatch: the revision data of a set, `{"spec":{"template":{…,"$patch":"replace"}}}`. */
export const revisionData = (set: KubeObject) => sortedKeys({ spec: { template: { ...structuredClone(set.spec?.template ?? {}), $patch: 'replace' } } });

/** ApplyRevision: the set with the template a revision recorded. */
function applyRevision(set: KubeObject, revision: KubeObject): KubeObject {
  const { $patch: _, ...template } = revision.data?.spec?.template ?? {};
  return { ...set, spec: { ...set.spec, template } };
}

const isRunningAndReady = (p: KubeObject) => p.status?.phase === 'Running' && isPodReady(p);
const isTerminating = (p: KubeObject) => !!p.metadata.deletionTimestamp;
const isHealthy = (p: KubeObject) => isRunningAndReady(p) && !isTerminating(p);
const isTerminal = (p: KubeObject) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const podRevision = (p: KubeObject) => p.metadata.labels?.[HASH_LABEL] ?? '';

/** The claims a pod of the set mounts (getPersistentVolumeClaims). */
function claimsFor(set: KubeObject, ordinal: number): { template: string; claim: KubeObject }[] {
  const matchLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((t: any) => {
    const metadata: KubeObject['metadata'] = { ...structuredClone(t.metadata ?? {}), name: claimName(t.metadata?.name ?? '', set.metadata.name!, ordinal) };
    metadata.labels = { ...(metadata.labels ?? {}), ...matchLabels };
    delete metadata.namespace;
    return { template: t.metadata?.name ?? '', claim: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, spec: structuredClone(t.spec ?? {}) } };
  });
}

/** newStatefulSetPod: the template's pod with the set's identity and storage. */
export function statefulPod(set: KubeObject, ordinal: number, revisionName: string): KubeObject {
  const pod = podFromTemplate(set);
  const name = `${set.metadata.name}-${ordinal}`;
  pod.metadata.name = name;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [HASH_LABEL]: revisionName };
  pod.spec.hostname = name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  const claims = claimsFor(set, ordinal);
  const claimed = new Set(claims.map((c) => c.template));
  pod.spec.volumes = [
    ...claims.map((c) => ({ name: c.template, persistentVolumeClaim: { claimName: c.claim.metadata.name } })),
    ...(pod.spec.volumes ?? []).filter((v: any) => !claimed.has(v?.name)),
  ];
  if (!pod.spec.volumes.length) delete pod.spec.volumes;
  return pod;
}

/** identityMatches and storageMatches: what updateStatefulPod would repair. */
function needsRepair(set: KubeObject, pod: KubeObject, ordinal: number): boolean {
  const labels = pod.metadata.labels ?? {};
  if (labels[POD_NAME_LABEL] !== pod.metadata.name || labels[POD_INDEX_LABEL] !== String(ordinal)) return true;
  if (pod.spec?.hostname !== pod.metadata.name || (pod.spec?.subdomain ?? '') !== (set.spec?.serviceName ?? '')) return true;
  const volumes: any[] = pod.spec?.volumes ?? [];
  return claimsFor(set, ordinal).some(({ template, claim }) => !volumes.some((v) => v?.name === template && v.persistentVolumeClaim?.claimName === claim.metadata.name));
}

// ---------------------------------------------------------------------------------------------
// Sync

const message = (verb: string, pod: string, set: string, ok: boolean, err?: unknown) =>
  ok ? `${verb} Pod ${pod} in StatefulSet ${set} successful` : `${verb} Pod ${pod} in StatefulSet ${set} failed error: ${(err as Error)?.message ?? err}`;

/** Records a pod-control event; a failure also marks the sync as failed (it is retried after a back-off). */
let syncFailed = false;
function event(ctx: ApiContext, set: KubeObject, ok: boolean, verb: string, text: string) {
  if (!ok) syncFailed = true;
  recordEvent(ctx, set, { type: ok ? 'Normal' : 'Warning', reason: `${ok ? 'Successful' : 'Failed'}${verb}`, message: text, component: COMPONENT });
}

interface Revisions {
  all: KubeObject[];
  current: KubeObject;
  update: KubeObject;
}

function syncStatefulSet(ctx: ApiContext, set: KubeObject): number | undefined {
  if (set.metadata.deletionTimestamp) return undefined;
  const selector = selectorRequirementsOf(set.spec?.selector);
  if (!selector || emptySelector(set.spec?.selector)) return undefined;
  const matches = (o: KubeObject) => matchLabelRequirements(selector, o.metadata.labels);
  const revisions = statefulRevisions(ctx, set, matches);
  if (!revisions) return ctx.now() + 1000;
  const ns = set.metadata.namespace!;
  const member = (p: KubeObject) => parentAndOrdinal(p.metadata.name!)?.[0] === set.metadata.name;
  const candidates = listOf(ctx, PODS, ns).filter((p) => !controllerRefOf(p) || controllerRefOf(p).uid === set.metadata.uid);
  const pods = claimObjects(ctx, PODS, set, candidates, (p) => matches(p) && member(p));
  // After a failed create, delete or update, wait for the retry back-off or for something to change.
  const key = `StatefulSet/${set.metadata.uid}`;
  const owned = () => listOf(ctx, PODS, ns).filter((p) => controllerRefOf(p)?.uid === set.metadata.uid);
  let wake = retryPending(ctx, key, fingerprint(set, owned()));
  if (wake === undefined) {
    syncFailed = false;
    wake = updateStatefulSet(ctx, set, revisions, pods);
    if (!syncFailed) retryForget(ctx, key);
    else wake = earliest(wake, retryLater(ctx, key, fingerprint(set, owned())));
  }
  const after = claimObjects(ctx, PODS, set, listOf(ctx, PODS, ns).filter((p) => controllerRefOf(p)?.uid === set.metadata.uid), member);
  updateStatus(ctx, set, revisions, after);
  truncateHistory(ctx, set, revisions, after);
  return wake;
}

/** getStatefulSetRevisions: the current and update revisions, creating or re-numbering the update one. */
function statefulRevisions(ctx: ApiContext, set: KubeObject, matches: (o: KubeObject) => boolean): Revisions | undefined {
  const ns = set.metadata.namespace!;
  const candidates = listOf(ctx, REVISIONS, ns).filter((r) => !controllerRefOf(r) || controllerRefOf(r).uid === set.metadata.uid);
  const all = claimObjects(ctx, REVISIONS, set, candidates, matches).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const collisionCount = set.status?.collisionCount ?? 0;
  const data = revisionData(set);
  const latest = all[all.length - 1];
  const next = (latest?.revision ?? 0) + 1;
  const equal = all.filter((r) => deepEqual(r.data, data));
  let update: KubeObject;
  if (equal.length && equal[equal.length - 1] === latest) {
    update = latest;
  } else if (equal.length) {
    const r = equal[equal.length - 1];
    update = updateObject(ctx, REVISIONS, ns, r.metadata.name!, { ...structuredClone(r), revision: next }, '');
  } else {
    const hash = revisionHash(data, collisionCount);
    const body = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${set.metadata.name}-${hash}`,
        labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(set)],
      },
      data,
      revision: next,
    };
    try {
      update = createObject(ctx, REVISIONS, ns, body);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 409) throw e;
      writeStatus(ctx, STATEFULSETS, set, { ...structuredClone(set.status ?? {}), collisionCount: collisionCount + 1 });
      return undefined;
    }
    all.push(update);
  }
  const current = all.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { all: all.map((r) => (r.metadata.name === update.metadata.name ? update : r)), current, update };
}

function updateStatefulSet(ctx: ApiContext, set: KubeObject, revs: Revisions, pods: KubeObject[]): number | undefined {
  const start = set.spec?.ordinals?.start ?? 0;
  const count = set.spec?.replicas ?? 1;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const now = ctx.now();
  const available = (p: KubeObject) => isRunningAndReady(p) && isPodAvailable(p, minReady, now);
  const replicas: (KubeObject | undefined)[] = new Array(count).fill(undefined);
  const condemned: KubeObject[] = [];
  for (const p of pods) {
    const ord = parentAndOrdinal(p.metadata.name!)![1];
    if (ord >= start && ord < start + count) replicas[ord - start] = p;
    else condemned.push(p);
  }
  condemned.sort((a, b) => parentAndOrdinal(b.metadata.name!)![1] - parentAndOrdinal(a.metadata.name!)![1]);
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const currentSet = applyRevision(set, revs.current);
  const updateSet = applyRevision(set, revs.update);
  const ru = set.spec?.updateStrategy?.type === 'RollingUpdate' ? set.spec.updateStrategy.rollingUpdate : undefined;
  const onCurrent = (ord: number) =>
    set.spec?.updateStrategy?.type === 'RollingUpdate' && (ru == null ? ord < start + (set.status?.currentReplicas ?? 0) : ord < start + (ru.partition ?? 0));

  // The first unhealthy pod: scaling down may remove it without waiting.
  let firstUnhealthy: KubeObject | undefined;
  for (const p of [...replicas, ...[...condemned].reverse()]) if (p && !isHealthy(p) && !firstUnhealthy) firstUnhealthy = p;
  let wake: number | undefined;

  // Living replicas, in ordinal order.
  for (let i = 0; i < count; i++) {
    const ord = start + i;
    const pod = replicas[i];
    if (pod && isTerminal(pod)) {
      if (!isTerminating(pod)) deletePod(ctx, set, pod);
      if (monotonic) return wake;
      continue;
    }
    if (!pod) {
      const [source, rev] = onCurrent(ord) ? [currentSet, revs.current] : [updateSet, revs.update];
      const ok = createPod(ctx, set, statefulPod(source, ord, rev.metadata.name!), ord);
      if (monotonic || !ok) return wake;
      continue;
    }
    if (pod.status?.phase === 'Pending' || !pod.status?.phase) createClaims(ctx, set, pod, ord);
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod))) return wake;
    if (monotonic && !available(pod)) {
      const since = Date.parse((pod.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')?.lastTransitionTime ?? '');
      return earliest(wake, Number.isNaN(since) ? undefined : since + minReady * 1000 + 1);
    }
    if (needsRepair(set, pod, ord)) repairPod(ctx, set, pod, ord);
  }

  // Condemned pods, highest ordinal first; in order, one at a time once the rest is healthy.
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return wake;
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && !available(pod)) return wake;
    deletePod(ctx, set, pod);
    if (monotonic) return wake;
  }

  if (set.spec?.updateStrategy?.type !== 'RollingUpdate') return wake;
  // Rolling update (MaxUnavailableStatefulSet, on in 1.35.0): from the highest ordinal down to the partition.
  const maxUnavailable = Math.max(1, scaledValue(ru?.maxUnavailable ?? 1, count, false));
  const unavailable = replicas.filter((p) => !p || !isHealthy(p)).length;
  let budget = maxUnavailable - unavailable;
  for (let i = count - 1; i >= (ru?.partition ?? 0) && budget > 0; i--) {
    const pod = replicas[i];
    if (pod && podRevision(pod) !== revs.update.metadata.name && !isTerminating(pod)) {
      deletePod(ctx, set, pod);
      budget--;
    }
  }
  return wake;
}

/** Creates the pod's missing claims, then the pod; false when something failed. */
function createPod(ctx: ApiContext, set: KubeObject, pod: KubeObject, ordinal: number): boolean {
  if (!createClaims(ctx, set, pod, ordinal)) return false;
  const name = pod.metadata.name!;
  try {
    createObject(ctx, PODS, set.metadata.namespace!, pod);
    event(ctx, set, true, 'Create', message('Create', name, set.metadata.name!, true));
    return true;
  } catch (e) {
    if (namespaceTerminating(e)) return false;
    if (!(e instanceof ApiError)) throw e;
    event(ctx, set, false, 'Create', message('Create', name, set.metadata.name!, false, e));
    return false;
  }
}

/** createPersistentVolumeClaims: each missing claim, with its event. */
function createClaims(ctx: ApiContext, set: KubeObject, pod: KubeObject, ordinal: number): boolean {
  const ns = set.metadata.namespace!;
  const setName = set.metadata.name!;
  const podName = pod.metadata.name!;
  for (const { claim } of claimsFor(set, ordinal)) {
    const name = claim.metadata.name!;
    if (ctx.store.get(`${CLAIMS.group}/${CLAIMS.plural}`, ns, name)) continue;
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete') claim.metadata.ownerReferences = [newControllerRef(set)];
    try {
      createObject(ctx, CLAIMS, ns, claim);
      event(ctx, set, true, 'Create', `Create Claim ${name} Pod ${podName} in StatefulSet ${setName} success`);
    } catch (e) {
      if (namespaceTerminating(e)) return false;
      if (!(e instanceof ApiError)) throw e;
      event(ctx, set, false, 'Create', `Create Claim ${name} for Pod ${podName} in StatefulSet ${setName} failed error: ${e.message}`);
      return false;
    }
  }
  return true;
}

function deletePod(ctx: ApiContext, set: KubeObject, pod: KubeObject) {
  const name = pod.metadata.name!;
  try {
    deleteObject(ctx, PODS, pod.metadata.namespace!, name, { preconditions: { uid: pod.metadata.uid } });
    event(ctx, set, true, 'Delete', message('Delete', name, set.metadata.name!, true));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.code !== 404) event(ctx, set, false, 'Delete', message('Delete', name, set.metadata.name!, false, e));
  }
}

/** updateStatefulPod: restores identity labels, hostname, subdomain and claim volumes. */
function repairPod(ctx: ApiContext, set: KubeObject, pod: KubeObject, ordinal: number) {
  const want = statefulPod(set, ordinal, podRevision(pod));
  const next = structuredClone(pod);
  next.metadata.labels = { ...next.metadata.labels, [POD_NAME_LABEL]: want.metadata.name!, [POD_INDEX_LABEL]: String(ordinal) };
  next.spec.hostname = want.spec.hostname;
  if (want.spec.subdomain) next.spec.subdomain = want.spec.subdomain;
  else delete next.spec.subdomain;
  next.spec.volumes = want.spec.volumes;
  const name = pod.metadata.name!;
  try {
    updateObject(ctx, PODS, pod.metadata.namespace!, name, next, '');
    event(ctx, set, true, 'Update', message('Update', name, set.metadata.name!, true));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    event(ctx, set, false, 'Update', message('Update', name, set.metadata.name!, false, e));
  }
}

// ---------------------------------------------------------------------------------------------
// Status and history

function updateStatus(ctx: ApiContext, set: KubeObject, revs: Revisions, pods: KubeObject[]) {
  const cur = currentOf(ctx, STATEFULSETS, set) ?? set;
  const minReady = cur.spec?.minReadySeconds ?? 0;
  const now = ctx.now();
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const p of pods) {
    if (isRunningAndReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
    if (isTerminating(p)) continue;
    if (podRevision(p) === revs.current.metadata.name) current++;
    if (podRevision(p) === revs.update.metadata.name) updated++;
  }
  let currentRevision = revs.current.metadata.name!;
  // completeRollingUpdate: every pod updated and ready.
  if (cur.spec?.updateStrategy?.type === 'RollingUpdate' && updated === pods.length && ready === pods.length) {
    current = updated;
    currentRevision = revs.update.metadata.name!;
  }
  // StatefulSetStatus in Go field order; zero counters are omitted except replicas and availableReplicas.
  const status: Record<string, unknown> = { observedGeneration: cur.metadata.generation, replicas: pods.length };
  if (ready) status.readyReplicas = ready;
  if (current) status.currentReplicas = current;
  if (updated) status.updatedReplicas = updated;
  status.currentRevision = currentRevision;
  status.updateRevision = revs.update.metadata.name;
  status.collisionCount = cur.status?.collisionCount ?? 0;
  if (cur.status?.conditions) status.conditions = cur.status.conditions;
  status.availableReplicas = available;
  writeStatus(ctx, STATEFULSETS, cur, status);
}

/** truncateHistory: revisions no pod uses beyond revisionHistoryLimit go, oldest first. */
function truncateHistory(ctx: ApiContext, set: KubeObject, revs: Revisions, pods: KubeObject[]) {
  const live = new Set([revs.current.metadata.name, revs.update.metadata.name, ...pods.map(podRevision)]);
  const history = revs.all.filter((r) => !live.has(r.metadata.name));
  const excess = history.length - (set.spec?.revisionHistoryLimit ?? 10);
  for (const r of history.slice(0, Math.max(0, excess))) {
    try {
      deleteObject(ctx, REVISIONS, r.metadata.namespace!, r.metadata.name!);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 404) throw e;
    }
  }
}
