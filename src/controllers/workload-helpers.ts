// What the DaemonSet, StatefulSet, Job and CronJob controllers share beyond controller-utils.ts: reading the
// current version of an object, writing a status only when it changed, and creating and deleting pods with the
// events RealPodControl records (control-plane.md §X.4).
import { resKey, type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { deepEqual } from '../apiserver/json-util';
import { matchLabelRequirements, type LabelRequirement } from '../apiserver/selectors';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { KubeObject, ResourceDef } from '../resources/types';
import { claimObjects, controllerRefOf, namespaceTerminating } from './controller-utils';
import { recordEvent } from './events';

export const IDENTITY = 'system:kube-controller-manager';
export const PODS = findResource('', 'v1', 'pods')!;

export const earliest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/** Syncs each item in turn; the earliest wake-up any of them asks for. */
export function syncEach<T>(items: T[], sync: (item: T) => number | undefined): number | undefined {
  let wake: number | undefined;
  for (const item of items) wake = earliest(wake, sync(item));
  return wake;
}

/** The objects of a kind in a namespace ('' for all). */
export const listOf = (ctx: ApiContext, def: ResourceDef, namespace: string): KubeObject[] =>
  ctx.store.list(resKey(def), namespace).map((e) => e.obj);

/** The stored version of `obj` (undefined when it is gone or was replaced by a namesake). */
export function currentOf(ctx: ApiContext, def: ResourceDef, obj: KubeObject): KubeObject | undefined {
  const cur = ctx.store.get(resKey(def), obj.metadata.namespace ?? '', obj.metadata.name!)?.obj;
  return cur && cur.metadata.uid === obj.metadata.uid ? cur : undefined;
}

/** Writes `status` through the status subresource unless it is what is stored; returns the object after. */
export function writeStatus(ctx: ApiContext, def: ResourceDef, obj: KubeObject, status: Record<string, unknown>): KubeObject {
  const cur = currentOf(ctx, def, obj);
  if (!cur || deepEqual(cur.status ?? {}, status)) return cur ?? obj;
  return updateObject(ctx, def, cur.metadata.namespace ?? '', cur.metadata.name!, { ...structuredClone(cur), status }, 'status');
}

/** Objects `owner` controls, or that nobody controls and its selector matches, claimed as ClaimObject does. */
export function claim(ctx: ApiContext, def: ResourceDef, owner: KubeObject, objs: KubeObject[], selector: LabelRequirement[]): KubeObject[] {
  const uid = owner.metadata.uid;
  const candidates = objs.filter((o) => {
    const ref = controllerRefOf(o);
    return !ref || ref.uid === uid;
  });
  return claimObjects(ctx, def, owner, candidates, (o) => matchLabelRequirements(selector, o.metadata.labels));
}

/** RealPodControl.CreatePods: `Created pod: <name>`, or `Error creating: <err>` and the error rethrown. */
export function createPodFor(ctx: ApiContext, owner: KubeObject, body: KubeObject, component: string): KubeObject | undefined {
  try {
    const pod = createObject(ctx, PODS, owner.metadata.namespace!, body);
    recordEvent(ctx, owner, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}`, component });
    return pod;
  } catch (e) {
    if (namespaceTerminating(e)) return undefined;
    if (!(e instanceof Error)) throw e;
    recordEvent(ctx, owner, { type: 'Warning', reason: 'FailedCreate', message: `Error creating: ${e.message}`, component });
    throw e;
  }
}

/** RealPodControl.DeletePod: `Deleted pod: <name>`; a pod already gone is fine. */
export function deletePodFor(ctx: ApiContext, owner: KubeObject, pod: KubeObject, component: string): void {
  const name = pod.metadata.name!;
  try {
    deleteObject(ctx, PODS, pod.metadata.namespace!, name, { preconditions: { uid: pod.metadata.uid } });
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return;
    if (!(e instanceof Error)) throw e;
    recordEvent(ctx, owner, { type: 'Warning', reason: 'FailedDelete', message: `Error deleting: ${e.message}`, component });
    throw e;
  }
  recordEvent(ctx, owner, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${name}`, component });
}

/** Pods sorted oldest first: bound before unbound, then by creation time, then by name (podByCreationTimestampAndPhase). */
export function byAge(a: KubeObject, b: KubeObject): number {
  const ba = !!a.spec?.nodeName;
  const bb = !!b.spec?.nodeName;
  if (ba !== bb) return ba ? -1 : 1;
  const ca = a.metadata.creationTimestamp ?? '';
  const cb = b.metadata.creationTimestamp ?? '';
  if (ca !== cb) return ca < cb ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

/** Keys sorted at every level, as Go marshals a map: what ControllerRevision data holds. */
export function sortedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortedKeys) as T;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, sortedKeys(o[k])])) as T;
  }
  return v;
}

/**
 * True the first time `key` is seen for this cluster: for events about a standing condition (a missed
 * schedule, an unexpected Job), which upstream records once per sync and a sync here runs on every pass.
 */
const seen = new WeakMap<object, Set<string>>();
export function once(ctx: ApiContext, key: string): boolean {
  let keys = seen.get(ctx.store);
  if (!keys) seen.set(ctx.store, (keys = new Set()));
  if (keys.has(key)) return false;
  if (keys.size > 10_000) keys.clear();
  keys.add(key);
  return true;
}

/**
 * What a sync read: when it changes, a failed sync is retried at once (an informer event would trigger it).
 * The owner counts by generation, so that its own status writes do not count as a change.
 */
export const fingerprint = (owner: KubeObject, objs: KubeObject[]) =>
  [owner.metadata.uid, owner.metadata.generation, ...objs.map((o) => o.metadata.resourceVersion).sort()].join(',');
