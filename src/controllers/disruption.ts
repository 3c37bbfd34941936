// The disruption controller (pkg/controller/disruption/disruption.go): for each PodDisruptionBudget, how many
// of its pods are expected (the scale of their controllers, or the pod count for an integer minAvailable),
// how many are healthy (Ready, not being deleted, not just evicted), and so how many disruptions the
// eviction subresource may allow. Evictions the API server approved sit in status.disruptedPods until the
// pod is seen terminating, or for two minutes of cluster time.
import { grOf, resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { grString } from '../apiserver/errors';
import { deepEqual } from '../apiserver/json-util';
import { matchLabelRequirements } from '../apiserver/selectors';
import { poddisruptionbudgets as PDBS, setDisruptionAllowed, updateDisruptionAllowed } from '../resources/poddisruptionbudgets';
import { RESOURCES } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { selectorRequirementsOf } from '../resources/workload-common';
import { controllerRefOf, isPodReady, timeOf } from './controller-utils';
import { scaledValue } from './deployment-util';
import { recordEvent, type EventSpec } from './events';
import type { Controller } from './types';
import { earliest, listOf, PODS, syncEach, writeStatus } from './workload-helpers';

const COMPONENT = 'controllermanager';
/** DeletionTimeout: how long an approved eviction keeps its pod out of the healthy count. */
const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** A sync that cannot compute the budget: the PDB fails safe (no disruptions allowed). */
class SyncFailed extends Error {}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/**
 * The finders and getScaleController: the controller a pod's controllerRef names and its scale, a ReplicaSet
 * of a live Deployment counting as that Deployment; undefined when the controller is gone or replaced.
 */
function controllerScale(ctx: ApiContext, ref: any, namespace: string): { uid: string; scale: number } | undefined {
  const group = groupOf(ref.apiVersion ?? '');
  const def = RESOURCES.find((r) => r.kind === ref.kind && (r.group === group || (group === 'extensions' && r.group === 'apps')));
  if (!def) throw new SyncFailed(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
  if (!def.subresources?.scale) throw new SyncFailed(`${grString(grOf(def))} does not implement the scale subresource`);
  const obj = ctx.store.get(resKey(def), namespace, ref.name)?.obj;
  if (!obj || obj.metadata.uid !== ref.uid) return undefined;
  const parent = controllerRefOf(obj);
  const deployment = def.kind === 'ReplicaSet' && parent?.kind === 'Deployment' ? controllerScale(ctx, parent, namespace) : undefined;
  return deployment ?? { uid: obj.metadata.uid!, scale: obj.spec?.replicas ?? 0 };
}

/** getExpectedScale: the sum of the scales of the pods' controllers; pods without a controller are reported. */
function expectedScale(ctx: ApiContext, pods: KubeObject[], namespace: string): { count: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name!);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = controllerScale(ctx, ref, namespace);
    if (!found) throw new SyncFailed(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.scale);
  }
  return { count: [...scales.values()].reduce((a, b) => a + b, 0), unmanaged };
}

/** getExpectedPodCount. */
function expectedCounts(ctx: ApiContext, pdb: KubeObject, pods: KubeObject[]) {
  const spec = pdb.spec ?? {};
  const namespace = pdb.metadata.namespace!;
  if (spec.maxUnavailable != null) {
    const { count, unmanaged } = expectedScale(ctx, pods, namespace);
    return { expected: count, desired: Math.max(0, count - scaledValue(spec.maxUnavailable, count, true)), unmanaged };
  }
  if (typeof spec.minAvailable === 'number') return { expected: pods.length, desired: spec.minAvailable, unmanaged: [] };
  if (spec.minAvailable != null) {
    const { count, unmanaged } = expectedScale(ctx, pods, namespace);
    return { expected: count, desired: scaledValue(spec.minAvailable, count, true), unmanaged };
  }
  return { expected: 0, desired: 0, unmanaged: [] };
}

/** metav1.LabelSelector's String(), as the UnmanagedPods event prints it with %v. */
function goSelectorString(sel: any): string {
  if (!sel) return 'nil';
  const labels = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}: ${sel.matchLabels[k]},`).join('');
  const exprs = (sel.matchExpressions ?? [])
    .map((e: any) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/** buildDisruptedPodMap, countHealthyPods and updatePdbStatus: the status a successful sync writes. */
function computedStatus(ctx: ApiContext, pdb: KubeObject, pods: KubeObject[], counts: { expected: number; desired: number }) {
  const now = ctx.now();
  const recorded: Record<string, string> = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  let wake: number | undefined;
  for (const pod of pods) {
    const at = recorded[pod.metadata.name!];
    if (pod.metadata.deletionTimestamp || at === undefined) continue;
    const expiry = timeOf(at) + DELETION_TIMEOUT_MS;
    if (expiry < now) {
      // Always followed by a status write: the entry leaves the map.
      const message = `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`;
      recordEvent(ctx, pod, { type: 'Warning', reason: 'NotDeleted', message, component: COMPONENT });
      continue;
    }
    disrupted[pod.metadata.name!] = at;
    wake = earliest(wake, expiry + 1);
  }
  const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && !(p.metadata.name! in disrupted) && isPodReady(p)).length;
  // No disruptions until the budget has seen its pods (expected > 0).
  const allowed = counts.expected > 0 ? Math.max(0, healthy - counts.desired) : 0;
  const status: Record<string, any> = {};
  if (pdb.metadata.generation) status.observedGeneration = pdb.metadata.generation;
  if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
  Object.assign(status, { disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: counts.desired, expectedPods: counts.expected });
  status.conditions = structuredClone(pdb.status?.conditions ?? []);
  updateDisruptionAllowed(status, rfc3339(now));
  return { status, wake };
}

/** failSafe: no disruptions allowed, and why, leaving the rest of the status (and observedGeneration) as it was. */
function failSafeStatus(pdb: KubeObject, message: string, now: string) {
  const status = { ...structuredClone(pdb.status ?? {}), disruptionsAllowed: 0 };
  setDisruptionAllowed(status, 'SyncFailed', message, now);
  return status;
}

function sync(ctx: ApiContext, pdb: KubeObject, podsOf: (namespace: string) => KubeObject[]): number | undefined {
  const reqs = selectorRequirementsOf(pdb.spec?.selector);
  const pods = reqs ? podsOf(pdb.metadata.namespace!).filter((p) => matchLabelRequirements(reqs, p.metadata.labels)) : [];
  const events: EventSpec[] = [];
  let status: Record<string, any>;
  let wake: number | undefined;
  try {
    const counts = expectedCounts(ctx, pdb, pods);
    ({ status, wake } = computedStatus(ctx, pdb, pods, counts));
    if (counts.unmanaged.length) {
      const message =
        `Pods selected by this PodDisruptionBudget (selector: ${goSelectorString(pdb.spec?.selector)}) were found to be unmanaged. ` +
        'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
        'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.';
      events.push({ type: 'Warning', reason: 'UnmanagedPods', message, component: COMPONENT });
    }
  } catch (e) {
    if (!(e instanceof SyncFailed)) throw e;
    status = failSafeStatus(pdb, e.message, rfc3339(ctx.now()));
    events.push({ type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: `Failed to calculate the number of expected pods: ${e.message}`, component: COMPONENT });
  }
  // Upstream syncs on changes; a pass that changes nothing writes nothing and records nothing.
  if (deepEqual(pdb.status ?? {}, status)) return wake;
  if (!pods.length) events.unshift({ type: 'Normal', reason: 'NoPods', message: 'No matching pods found', component: COMPONENT });
  const written = writeStatus(ctx, PDBS, pdb, status);
  for (const e of events) recordEvent(ctx, written, e);
  return wake;
}

function reconcile(ctx: ApiContext): number | undefined {
  const pdbs = listOf(ctx, PDBS, '');
  if (!pdbs.length) return undefined;
  const byNamespace = new Map<string, KubeObject[]>();
  const podsOf = (ns: string) => byNamespace.get(ns) ?? byNamespace.set(ns, listOf(ctx, PODS, ns)).get(ns)!;
  return syncEach(pdbs, (pdb) => sync(ctx, pdb, podsOf));
}

export const disruptionController: Controller = {
  name: 'disruption',
  identity: 'system:serviceaccount:kube-system:disruption-controller',
  reconcile,
};
