// The DaemonSet controller (pkg/controller/daemon, control-plane.md §3.1): one pod per eligible node, pinned
// to it by node affinity and bound by the scheduler; failed and excess pods replaced; rolling updates within
// maxUnavailable / maxSurge; ControllerRevision history; status.
import { resKey, type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { deepEqual } from '../apiserver/json-util';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { templateGeneration } from '../resources/daemonsets';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { emptySelector, selectorRequirementsOf } from '../resources/workload-common';
import { controllerRefOf, isPodAvailable, isPodReady, newControllerRef, retryForget, retryLater, retryPending, slowStartBatch } from './controller-utils';
import { podTemplateHash, scaledValue } from './deployment-util';
import { recordEvent } from './events';
import { matchesNodeSelectorAndAffinity, toleratedBy, type Taint } from './scheduler-plugins';
import type { Controller } from './types';
import { IDENTITY, PODS, byAge, claim, createPodFor, currentOf, deletePodFor, earliest, fingerprint, listOf, sortedKeys, syncEach, writeStatus } from './workload-helpers';

const DAEMONSETS = findResource('apps', 'v1', 'daemonsets')!;
const REVISIONS = findResource('apps', 'v1', 'controllerrevisions')!;
const NODES = findResource('', 'v1', 'nodes')!;
const COMPONENT = 'daemonset-controller';
export const HASH_LABEL = 'controller-revision-hash';
export const GENERATION_LABEL = 'pod-template-generation';
/** Pods one sync creates at most (BurstReplicas). */
const BURST = 250;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 15 * 60_000;

export const daemonSetController: Controller = {
  name: 'daemonset',
  identity: IDENTITY,
  reconcile(ctx) {
    const all = listOf(ctx, DAEMONSETS, '');
    if (!all.length) return undefined;
    const nodes = listOf(ctx, NODES, '');
    return syncEach(all, (ds) => syncDaemonSet(ctx, ds, nodes));
  },
};

// ---------------------------------------------------------------------------------------------
// Pure helpers (pkg/controller/daemon/util)

const AUTO_TOLERATIONS: [key: string, effect: string][] = [
  ['node.kubernetes.io/not-ready', 'NoExecute'],
  ['node.kubernetes.io/unreachable', 'NoExecute'],
  ['node.kubernetes.io/disk-pressure', 'NoSchedule'],
  ['node.kubernetes.io/memory-pressure', 'NoSchedule'],
  ['node.kubernetes.io/pid-pressure', 'NoSchedule'],
  ['node.kubernetes.io/unschedulable', 'NoSchedule'],
];

/** AddOrUpdateDaemonPodTolerations: the node-condition taints every daemon pod tolerates (mutates). */
export function addDaemonTolerations(spec: any) {
  const wanted = spec.hostNetwork ? [...AUTO_TOLERATIONS, ['node.kubernetes.io/network-unavailable', 'NoSchedule'] as [string, string]] : AUTO_TOLERATIONS;
  const tolerations: any[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const [key, effect] of wanted) {
    const t = { key, operator: 'Exists', effect };
    const i = tolerations.findIndex((x) => x?.key === key && x?.operator === 'Exists' && (x?.value ?? '') === '' && x?.effect === effect);
    if (i < 0) tolerations.push(t);
    else if (!deepEqual(tolerations[i], t)) tolerations[i] = t;
  }
  spec.tolerations = tolerations;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes "this node" (mutates). */
export function pinToNode(spec: any, node: string) {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] };
  spec.affinity ??= {};
  spec.affinity.nodeAffinity ??= {};
  const na = spec.affinity.nodeAffinity;
  if (!na.requiredDuringSchedulingIgnoredDuringExecution) na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  else na.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms = [term];
}

/** GetTargetNodeName: the bound node, or the one the affinity pins an unbound pod to. */
export function targetNode(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term?.matchFields ?? []) {
      if (f?.key === 'metadata.name' && f?.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/** NodeShouldRunDaemonPod: [shouldRun, shouldContinueRunning]. Resources are the scheduler's business. */
export function nodeShouldRun(node: KubeObject, ds: KubeObject): [boolean, boolean] {
  const template = ds.spec?.template ?? {};
  const name = node.metadata.name;
  if (template.spec?.nodeName && template.spec.nodeName !== name) return [false, false];
  const spec = structuredClone(template.spec ?? {});
  addDaemonTolerations(spec);
  const pod = { metadata: { ...template.metadata, namespace: ds.metadata.namespace }, spec: { ...spec, nodeName: name } } as KubeObject;
  if (!matchesNodeSelectorAndAffinity(pod, node)) return [false, false];
  const taints: Taint[] = node.spec?.taints ?? [];
  const untolerated = (effects: string[]) => taints.some((t) => effects.includes(t.effect) && !toleratedBy(spec.tolerations, t));
  if (untolerated(['NoSchedule', 'NoExecute'])) return [false, !untolerated(['NoExecute'])];
  return [true, true];
}

/** IsPodUpdated: the pod carries the current hash or the current template generation. */
export function isPodUpdated(pod: KubeObject, hash: string, generation: number): boolean {
  const labels = pod.metadata.labels ?? {};
  return (!!hash && labels[HASH_LABEL] === hash) || labels[GENERATION_LABEL] === String(generation);
}

/** The revision data of a DaemonSet: `{"spec":{"template":{…,"$patch":"replace"}}}` (getPatch). */
export const revisionData = (ds: KubeObject) => sortedKeys({ spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } });

/** [maxSurge, maxUnavailable] against the number of nodes that should run a pod (both round up). */
export function surgeAndUnavailable(ds: KubeObject, desired: number): [number, number] {
  if (ds.spec?.updateStrategy?.type !== 'RollingUpdate') return [0, 1];
  const ru = ds.spec.updateStrategy.rollingUpdate ?? {};
  const surge = scaledValue(ru.maxSurge ?? 0, desired, true);
  const unavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

// ---------------------------------------------------------------------------------------------
// Sync

interface State {
  ds: KubeObject;
  hash: string;
  generation: number;
  nodes: KubeObject[];
  /** node name → the daemon pods targeting it */
  byNode: Map<string, KubeObject[]>;
  /** claimed pods with no (known) target node */
  strays: KubeObject[];
  /** every claimed pod */
  pods: KubeObject[];
  /** a create or delete failed this sync */
  failed?: boolean;
}

function syncDaemonSet(ctx: ApiContext, ds: KubeObject, nodes: KubeObject[]): number | undefined {
  if (ds.metadata.deletionTimestamp) return undefined;
  const selector = selectorRequirementsOf(ds.spec?.selector);
  if (!selector || emptySelector(ds.spec?.selector)) return undefined;
  const hash = podTemplateHash(ds.spec?.template, ds.status?.collisionCount);
  const history = constructHistory(ctx, ds, hash, selector);
  if (!history) return ctx.now() + 1000; // a hash collision was recorded: the next pass uses the new hash
  const state = podState(ctx, ds, hash, nodes, selector);
  // After a failed create or delete, wait for the retry back-off or for something to change.
  const key = `DaemonSet/${ds.metadata.uid}`;
  let wake = retryPending(ctx, key, fingerprint(ds, state.pods));
  if (wake === undefined) {
    wake = manage(ctx, state);
    let failed = state.failed;
    if (!failed && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
      const rolling = podState(ctx, ds, hash, nodes, selector);
      wake = earliest(wake, rollingUpdate(ctx, rolling));
      failed = rolling.failed;
    }
    if (failed) wake = earliest(wake, retryLater(ctx, key, fingerprint(ds, podState(ctx, ds, hash, nodes, selector).pods)));
    else retryForget(ctx, key);
  }
  cleanupHistory(ctx, ds, history.old, podState(ctx, ds, hash, nodes, selector));
  return earliest(wake, updateStatus(ctx, podState(ctx, ds, hash, nodes, selector)));
}

function podState(ctx: ApiContext, ds: KubeObject, hash: string, nodes: KubeObject[], selector: ReturnType<typeof selectorRequirementsOf>): State {
  const pods = claim(ctx, PODS, ds, listOf(ctx, PODS, ds.metadata.namespace!), selector!);
  const byNode = new Map<string, KubeObject[]>();
  const strays: KubeObject[] = [];
  for (const p of pods) {
    const node = targetNode(p);
    if (!node) continue;
    if (!nodes.some((n) => n.metadata.name === node)) {
      strays.push(p);
      continue;
    }
    byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  return { ds, hash, generation: templateGeneration(ds), nodes, byNode, strays, pods };
}

// ---------------------------------------------------------------------------------------------
// History (constructHistory, snapshot, cleanupHistory)

function constructHistory(ctx: ApiContext, ds: KubeObject, hash: string, selector: NonNullable<ReturnType<typeof selectorRequirementsOf>>) {
  const histories = claim(ctx, REVISIONS, ds, listOf(ctx, REVISIONS, ds.metadata.namespace!), selector);
  const data = revisionData(ds);
  const current = histories.filter((h) => deepEqual(h.data, data));
  const old = histories.filter((h) => !deepEqual(h.data, data));
  const next = Math.max(0, ...old.map((h) => h.revision ?? 0)) + 1;
  if (!current.length) {
    const cur = snapshot(ctx, ds, hash, data, next);
    return cur ? { cur, old } : undefined;
  }
  const cur = current.reduce((a, b) => ((b.revision ?? 0) > (a.revision ?? 0) ? b : a));
  if ((cur.revision ?? 0) < next) {
    const bumped = { ...structuredClone(cur), revision: next };
    updateObject(ctx, REVISIONS, cur.metadata.namespace!, cur.metadata.name!, bumped, '');
  }
  return { cur, old };
}

function snapshot(ctx: ApiContext, ds: KubeObject, hash: string, data: unknown, revision: number): KubeObject | undefined {
  const metadata: KubeObject['metadata'] = {
    name: `${ds.metadata.name}-${hash}`,
    labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [HASH_LABEL]: hash },
    ownerReferences: [newControllerRef(ds)],
  };
  if (ds.metadata.annotations) metadata.annotations = { ...ds.metadata.annotations };
  try {
    return createObject(ctx, REVISIONS, ds.metadata.namespace!, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata, data, revision });
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 409) throw e;
    const existing = ctx.store.get(resKey(REVISIONS), ds.metadata.namespace!, metadata.name!)?.obj;
    if (existing && controllerRefOf(existing)?.uid === ds.metadata.uid && deepEqual(existing.data, data)) return existing;
    // A namesake with other content: count the collision so the next hash differs.
    const status = { ...structuredClone(ds.status ?? {}), collisionCount: (ds.status?.collisionCount ?? 0) + 1 };
    writeStatus(ctx, DAEMONSETS, ds, status);
    return undefined;
  }
}

function cleanupHistory(ctx: ApiContext, ds: KubeObject, old: KubeObject[], state: State) {
  const excess = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
  if (excess <= 0) return;
  const live = new Set<string>();
  for (const pods of state.byNode.values()) for (const p of pods) live.add(p.metadata.labels?.[HASH_LABEL] ?? '');
  const candidates = [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0)).filter((h) => !live.has(h.metadata.labels?.[HASH_LABEL] ?? ''));
  for (const h of candidates.slice(0, excess)) {
    try {
      deleteObject(ctx, REVISIONS, h.metadata.namespace!, h.metadata.name!);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 404) throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// manage (podsShouldBeOnNode, syncNodes)

const allowsSurge = (ds: KubeObject) =>
  ds.spec?.updateStrategy?.type === 'RollingUpdate' && scaledValue(ds.spec.updateStrategy.rollingUpdate?.maxSurge ?? 0, 1, true) > 0;

/** Failed-pod back-off per DaemonSet generation and node: 1 s doubling to 15 min, kept in memory as upstream. */
const backoffs = new WeakMap<object, Map<string, { delay: number; at: number }>>();

function backoffFor(ctx: ApiContext, key: string): { inBackoff: boolean; until: number } {
  let table = backoffs.get(ctx.store);
  if (!table) backoffs.set(ctx.store, (table = new Map()));
  const now = ctx.now();
  const entry = table.get(key);
  if (entry && now - entry.at < entry.delay) return { inBackoff: true, until: entry.at + entry.delay };
  const delay = entry ? Math.min(entry.delay * 2, BACKOFF_MAX_MS) : BACKOFF_START_MS;
  table.set(key, { delay, at: now });
  return { inBackoff: false, until: now + delay };
}

function manage(ctx: ApiContext, s: State): number | undefined {
  const { ds } = s;
  const toCreate: string[] = [];
  const toDelete: KubeObject[] = [...s.strays.filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp)];
  let wake: number | undefined;
  for (const node of s.nodes) {
    const name = node.metadata.name!;
    const [shouldRun, shouldContinue] = nodeShouldRun(node, ds);
    const pods = s.byNode.get(name);
    if (shouldRun && !pods) {
      toCreate.push(name);
    } else if (shouldContinue && pods) {
      const running: KubeObject[] = [];
      for (const pod of pods) {
        if (pod.metadata.deletionTimestamp) continue;
        const where = `${pod.metadata.namespace}/${pod.metadata.name} on node ${name}`;
        if (pod.status?.phase === 'Failed') {
          const b = backoffFor(ctx, `${ds.metadata.uid}/${ds.status?.observedGeneration ?? 0}/${name}`);
          wake = earliest(wake, b.until);
          if (b.inBackoff) continue;
          recordEvent(ctx, ds, { type: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod ${where}, will try to kill it`, component: COMPONENT });
          toDelete.push(pod);
        } else if (pod.status?.phase === 'Succeeded') {
          recordEvent(ctx, ds, { type: 'Normal', reason: 'SucceededDaemonPod', message: `Found succeeded daemon pod ${where}, will try to delete it`, component: COMPONENT });
          toDelete.push(pod);
        } else running.push(pod);
      }
      running.sort(byAge);
      if (!allowsSurge(ds)) {
        toDelete.push(...running.slice(1));
      } else if (!running.length) {
        if (shouldRun) toCreate.push(name);
      } else if (running.length > 1) {
        // Surging: keep the oldest new pod, and the oldest old one while the new one is not yet available.
        let newest: KubeObject | undefined;
        let oldest: KubeObject | undefined;
        for (const pod of running) {
          const isNew = pod.metadata.labels?.[HASH_LABEL] === s.hash;
          if (isNew && !newest) newest = pod;
          else if (!isNew && !oldest) oldest = pod;
          else toDelete.push(pod);
        }
        if (newest && oldest && (!isPodReady(oldest) || isPodAvailable(newest, ds.spec?.minReadySeconds ?? 0, ctx.now()))) toDelete.push(oldest);
      }
    } else if (!shouldContinue && pods) {
      toDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
    }
  }
  syncNodes(ctx, s, toDelete, toCreate);
  return wake;
}

/** The pod a DaemonSet runs on `node` (CreatePodTemplate + the node's affinity). */
function daemonPod(s: State, node: string): KubeObject {
  const template = structuredClone(s.ds.spec?.template ?? {});
  const spec = template.spec ?? {};
  addDaemonTolerations(spec);
  pinToNode(spec, node);
  const labels = { ...(template.metadata?.labels ?? {}), [GENERATION_LABEL]: String(s.generation), [HASH_LABEL]: s.hash };
  const metadata: KubeObject['metadata'] = { generateName: `${s.ds.metadata.name}-`, labels };
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
  if (template.metadata?.finalizers?.length) metadata.finalizers = [...template.metadata.finalizers];
  metadata.ownerReferences = [newControllerRef(s.ds)];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

function syncNodes(ctx: ApiContext, s: State, toDelete: KubeObject[], toCreate: string[]) {
  const nodes = toCreate.slice(0, BURST);
  let i = 0;
  const { error } = slowStartBatch(nodes.length, () => {
    createPodFor(ctx, s.ds, daemonPod(s, nodes[i++]), COMPONENT);
  });
  if (error !== undefined && !(error instanceof ApiError)) throw error;
  if (error) s.failed = true;
  for (const pod of toDelete) {
    try {
      deletePodFor(ctx, s.ds, pod, COMPONENT);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      s.failed = true;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rolling update

/** findUpdatedPodsOnNode: the (at most one) new and old live pod on a node; undefined with duplicates. */
function updatedPodsOnNode(s: State, pods: KubeObject[]): { newPod?: KubeObject; oldPod?: KubeObject } | undefined {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, s.hash, s.generation)) {
      if (newPod) return undefined;
      newPod = pod;
    } else {
      if (oldPod) return undefined;
      oldPod = pod;
    }
  }
  return { newPod, oldPod };
}

function rollingUpdate(ctx: ApiContext, s: State): number | undefined {
  const { ds } = s;
  const now = ctx.now();
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: KubeObject) => isPodAvailable(p, minReady, now);
  const desired = s.nodes.filter((n) => nodeShouldRun(n, ds)[0]).length;
  const [maxSurge, maxUnavailable] = surgeAndUnavailable(ds, desired);
  const toDelete: KubeObject[] = [];
  if (maxSurge === 0) {
    let unavailable = 0;
    const candidates: KubeObject[] = [];
    for (const pods of s.byNode.values()) {
      const found = updatedPodsOnNode(s, pods);
      if (!found) {
        unavailable++;
        continue;
      }
      const { newPod, oldPod } = found;
      if (!oldPod === !newPod) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) {
        toDelete.push(oldPod!);
        unavailable++;
      } else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    toDelete.push(...candidates.slice(0, Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length))));
    syncNodes(ctx, s, toDelete, []);
    return undefined;
  }
  const toCreate: string[] = [];
  const candidateNodes: string[] = [];
  let surge = 0;
  for (const [node, pods] of s.byNode) {
    const found = updatedPodsOnNode(s, pods);
    if (!found) {
      surge++;
      continue;
    }
    const { newPod, oldPod } = found;
    if (!oldPod) continue;
    const shouldRun = nodeShouldRun(s.nodes.find((n) => n.metadata.name === node)!, ds)[0];
    if (!newPod) {
      if (!shouldRun) {
        if (!available(oldPod)) toDelete.push(oldPod);
      } else if (!available(oldPod)) toCreate.push(node);
      else if (surge < maxSurge) candidateNodes.push(node);
    } else if (!available(newPod)) surge++;
    else toDelete.push(oldPod);
  }
  toCreate.push(...candidateNodes.slice(0, Math.max(0, maxSurge - surge)));
  syncNodes(ctx, s, toDelete, toCreate);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Status (updateDaemonSetStatus)

function updateStatus(ctx: ApiContext, s: State): number | undefined {
  const { ds } = s;
  const now = ctx.now();
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let wake: number | undefined;
  for (const node of s.nodes) {
    const pods = s.byNode.get(node.metadata.name!) ?? [];
    if (!nodeShouldRun(node, ds)[0]) {
      if (pods.length) misscheduled++;
      continue;
    }
    desired++;
    if (!pods.length) continue;
    current++;
    const pod = [...pods].sort(byAge)[0];
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
      else if (minReady) wake = earliest(wake, Date.parse(pod.status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime) + minReady * 1000 + 1000);
    }
    if (isPodUpdated(pod, s.hash, s.generation)) updated++;
  }
  const cur = currentOf(ctx, DAEMONSETS, ds) ?? ds;
  // DaemonSetStatus in Go field order; the last four counters are omitempty.
  const status: Record<string, unknown> = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: cur.metadata.generation,
  };
  if (updated) status.updatedNumberScheduled = updated;
  if (available) status.numberAvailable = available;
  if (desired - available) status.numberUnavailable = desired - available;
  if (cur.status?.collisionCount != null) status.collisionCount = cur.status.collisionCount;
  if (cur.status?.conditions) status.conditions = cur.status.conditions;
  writeStatus(ctx, DAEMONSETS, cur, status);
  return wake;
}
