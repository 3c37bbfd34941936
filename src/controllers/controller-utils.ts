// What the workload controllers share, after pkg/controller/controller_utils.go, controller_ref_manager.go and
// pkg/api/v1/pod/util.go: controller references, pod activity and availability, adoption and release of
// dependents, write failures a controller may drop, slow-start batches, the digit encoding of hashes, and the
// work queue's retry back-off.
import { resKey, type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { updateObject } from '../apiserver/writes';
import type { KubeObject, ResourceDef } from '../resources/types';

// ---------------------------------------------------------------------------------------------
// Owner references

export const controllerRefOf = (o: KubeObject): any => (o.metadata.ownerReferences ?? []).find((r: any) => r?.controller === true);

/** metav1.NewControllerRef: the one reference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject) {
  return {
    apiVersion: owner.apiVersion!,
    kind: owner.kind!,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Pods

const terminal = (p: KubeObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
export const isPodActive = (p: KubeObject) => !terminal(p) && !p.metadata.deletionTimestamp;
export const isPodTerminating = (p: KubeObject) => !terminal(p) && !!p.metadata.deletionTimestamp;

export const podReadyCondition = (p: KubeObject): any => (p.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
export const isPodReady = (p: KubeObject) => podReadyCondition(p)?.status === 'True';

/** Milliseconds of an RFC3339 time, 0 (Go's zero time) when absent or unparsable. */
export const timeOf = (t: unknown) => (typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? Date.parse(t) : 0);

/** When a Ready pod becomes available (Ready longer than minReadySeconds, strictly, as upstream compares). */
export function availableAt(p: KubeObject, minReadySeconds: number): number | undefined {
  if (!isPodReady(p)) return undefined;
  if (!minReadySeconds) return 0;
  const since = timeOf(podReadyCondition(p).lastTransitionTime);
  return since ? since + minReadySeconds * 1000 + 1 : undefined;
}

export function isPodAvailable(p: KubeObject, minReadySeconds: number, now: number): boolean {
  const at = availableAt(p, minReadySeconds);
  return at !== undefined && at <= now;
}

// ---------------------------------------------------------------------------------------------
// Adoption and release (ControllerRefManager.ClaimObject)

const ignorable = (e: unknown) => e instanceof ApiError && (e.code === 404 || e.code === 422 || e.code === 409);

/**
 * Claims dependents for `owner`: keeps those it controls that still match, releases those that stopped
 * matching, adopts matching orphans. `candidates` are objects of the owner's namespace that it controls
 * or nobody does. Returns the claimed objects as they are after the writes.
 */
export function claimObjects(
  ctx: ApiContext,
  def: ResourceDef,
  owner: KubeObject,
  candidates: KubeObject[],
  matches: (o: KubeObject) => boolean,
): KubeObject[] {
  const uid = owner.metadata.uid;
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  const claimed: KubeObject[] = [];
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches(obj)) claimed.push(obj);
      else if (!ownerDeleting) rewriteOwners(ctx, def, obj, (refs) => refs.filter((r) => r?.uid !== uid));
      continue;
    }
    if (ownerDeleting || obj.metadata.deletionTimestamp || !matches(obj)) continue;
    const adopted = rewriteOwners(ctx, def, obj, (refs) => (refs.some(controller) ? undefined : [...refs, newControllerRef(owner)]));
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

const controller = (r: any) => r?.controller === true;

/** Rewrites an object's ownerReferences from its current stored version (with a uid precondition, as the patch has). */
function rewriteOwners(ctx: ApiContext, def: ResourceDef, obj: KubeObject, change: (refs: any[]) => any[] | undefined): KubeObject | undefined {
  const m = obj.metadata;
  const current = ctx.store.get(resKey(def), m.namespace ?? '', m.name!)?.obj;
  if (!current || current.metadata.uid !== m.uid) return undefined;
  const refs = change(current.metadata.ownerReferences ?? []);
  if (!refs) return undefined;
  const next = structuredClone(current);
  if (refs.length) next.metadata.ownerReferences = refs;
  else delete next.metadata.ownerReferences;
  try {
    return updateObject(ctx, def, m.namespace ?? '', m.name!, next, '');
  } catch (e) {
    if (ignorable(e)) return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Write failures

/** A create refused because the namespace is going away: not worth an event. */
export const namespaceTerminating = (e: unknown) =>
  e instanceof ApiError && !!e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');

/**
 * Runs a controller write, dropping the failures the next pass resolves from the new state: the object is
 * gone or changed meanwhile, or its namespace is terminating (creates there stay refused; upstream drops them).
 */
export function quietly(write: () => unknown) {
  try {
    write();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (!namespaceTerminating(e) && e.code !== 404 && e.code !== 409) throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Batches and hashes

/**
 * slowStartBatch: calls `fn` in batches of 1, 2, 4, … (a batch's calls all run); stops after the first
 * batch with a failure. Returns the successes and the first error.
 */
export function slowStartBatch(count: number, fn: () => void): { successes: number; error?: unknown } {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, 1); size > 0; size = Math.min(2 * size, remaining)) {
    let error: unknown;
    for (let i = 0; i < size; i++) {
      try {
        fn();
        successes++;
      } catch (e) {
        error ??= e;
      }
    }
    if (error !== undefined) return { successes, error };
    remaining -= size;
  }
  return { successes };
}

/** 32-bit FNV-1a over bytes. */
export function fnv1a32(bytes: Uint8Array, hash = 0x811c9dc5): number {
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash >>> 0;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each character mapped into the vowel-free alphabet (digits give 4-9, b, c, d, f). */
export const safeEncodeString = (s: string) => [...s].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');

// ---------------------------------------------------------------------------------------------
// Retry back-off

/**
 * The per-item exponential back-off of a controller work queue (5 ms doubling to 1000 s). It lives in memory
 * per cluster store, as a controller manager's queue does, and is forgotten on restart. A failed sync is
 * retried when its back-off expires, or at once when what it read (its fingerprint) changes.
 */
const BASE_MS = 5;
const MAX_MS = 1000_000;
const retries = new WeakMap<object, Map<string, { failures: number; at: number; fingerprint: string }>>();

function table(ctx: ApiContext) {
  let t = retries.get(ctx.store);
  if (!t) retries.set(ctx.store, (t = new Map()));
  return t;
}

/** The time a failed item may be retried, or undefined when it may run now. */
export function retryPending(ctx: ApiContext, key: string, fingerprint: string): number | undefined {
  const r = table(ctx).get(key);
  return r && r.fingerprint === fingerprint && r.at > ctx.now() ? r.at : undefined;
}

/** Records a failure and returns when to retry. */
export function retryLater(ctx: ApiContext, key: string, fingerprint: string): number {
  const t = table(ctx);
  const failures = (t.get(key)?.failures ?? 0) + 1;
  const at = ctx.now() + Math.min(BASE_MS * 2 ** (failures - 1), MAX_MS);
  t.set(key, { failures, at, fingerprint });
  return at;
}

export const retryForget = (ctx: ApiContext, key: string) => void table(ctx).delete(key);
