// The namespace controller (pkg/controller/namespace, control-plane.md §5): for a namespace being deleted it
// deletes everything in it (pods first), reports progress in the five deletion conditions, and once nothing
// remains removes the `kubernetes` finalizer (finalize), upon which the API server removes the namespace.
import { ApiError } from '../apiserver/errors';
import { resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { deleteObject, updateObject } from '../apiserver/writes';
import { RESOURCES, findResource } from '../resources/registry';
import { ALL_VERBS, type KubeObject, type ResourceDef } from '../resources/types';
import type { Controller } from './types';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const PODS = findResource('', 'v1', 'pods')!;
const FINALIZER = 'kubernetes';
/** namespaceDeletionGracePeriod: a deleted namespace is queued this long after the deletion. */
const DELETION_DELAY_MS = 5000;
/** finalizerEstimateSeconds: how long to wait for content held by finalizers. */
const FINALIZER_ESTIMATE_S = 15;
/** retry after a failed pass; upstream's rate limiter backs off from 5 ms to 1000 s, this is a middle step */
const RETRY_MS = 15_000;

/** The deletion conditions in the order they are written, with their "OK" reason and message. */
const CONDITIONS: [type: string, reason: string, message: string][] = [
  ['NamespaceDeletionDiscoveryFailure', 'ResourcesDiscovered', 'All resources successfully discovered'],
  ['NamespaceDeletionGroupVersionParsingFailure', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
  ['NamespaceDeletionContentFailure', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
  ['NamespaceContentRemaining', 'ContentRemoved', 'All content successfully removed'],
  ['NamespaceFinalizersRemaining', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'],
];

/** Every namespaced kind that supports delete, one per storage, pods excluded (they go first). */
const CONTENT: ResourceDef[] = [
  ...new Map(
    RESOURCES.filter((d) => d.namespaced && (d.verbs ?? ALL_VERBS).includes('delete') && resKey(d) !== resKey(PODS)).map((d) => [resKey(d), d]),
  ).values(),
];

/** What one pass over a namespace's content left behind. */
export interface Sweep {
  /** seconds until the remaining content should be gone; 0 = nothing to wait for */
  estimate: number;
  errors: string[];
  /** `<resource>.<group>` → items remaining */
  remaining: Map<string, number>;
  /** finalizer → items still carrying it */
  finalizers: Map<string, number>;
}

/**
 * Deletes every item of one kind (background propagation, as DeleteCollection does) and counts what
 * remains (deleteAllContentForGroupVersionResource).
 */
function sweepKind(ctx: ApiContext, def: ResourceDef, ns: string, deletedAt: number, out: Sweep) {
  let estimate = def === PODS ? podsEstimate(ctx, ns, deletedAt) : 0;
  for (const e of ctx.store.list(resKey(def), ns)) {
    try {
      deleteObject(ctx, def, ns, e.obj.metadata.name!, { propagationPolicy: 'Background' });
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) out.errors.push((err as Error).message);
    }
  }
  const left = ctx.store.list(resKey(def), ns);
  if (!left.length) return;
  out.remaining.set(`${def.plural}.${def.group}`, left.length);
  for (const e of left) for (const f of e.obj.metadata.finalizers ?? []) out.finalizers.set(f, (out.finalizers.get(f) ?? 0) + 1);
  if (!estimate) {
    if (left.some((e) => e.obj.metadata.finalizers?.length)) estimate = FINALIZER_ESTIMATE_S;
    else out.errors.push(`unexpected items still remain in namespace: ${ns} for gvr: ${def.group}/${def.version}, Resource=${def.plural}`);
  }
  out.estimate = Math.max(out.estimate, estimate);
}

/** estimateGracefulTerminationForPods: the longest grace period of a live pod, 0 once that much time has passed. */
function podsEstimate(ctx: ApiContext, ns: string, deletedAt: number): number {
  let estimate = 0;
  for (const { obj: pod } of ctx.store.list(resKey(PODS), ns)) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    estimate = Math.max(estimate, pod.spec?.terminationGracePeriodSeconds ?? 0);
  }
  return ctx.now() - deletedAt >= estimate * 1000 ? 0 : estimate;
}

/** deleteAllContent: pods first (OrderedNamespaceDeletion); the rest only once no pod remains. */
function deleteAllContent(ctx: ApiContext, ns: string, deletedAt: number): Sweep {
  const sweep: Sweep = { estimate: 0, errors: [], remaining: new Map(), finalizers: new Map() };
  sweepKind(ctx, PODS, ns, deletedAt, sweep);
  if (sweep.remaining.size) return sweep;
  for (const def of CONTENT) sweepKind(ctx, def, ns, deletedAt, sweep);
  return sweep;
}

const listOf = (m: Map<string, number>, format: (key: string, n: number) => string) =>
  [...m].map(([k, n]) => format(k, n)).sort().join(', ');

/** The five conditions after a sweep; an unchanged condition keeps its lastTransitionTime. */
export function deletionConditions(old: any[] | undefined, sweep: Sweep, now: string): any[] {
  const failures = new Map<string, [reason: string, message: string]>();
  if (sweep.errors.length) {
    const msgs = [...sweep.errors].sort().join(', ');
    failures.set('NamespaceDeletionContentFailure', ['ContentDeletionFailed', `Failed to delete all resource types, ${sweep.errors.length} remaining: ${msgs}`]);
  }
  if (sweep.remaining.size) {
    const msg = listOf(sweep.remaining, (r, n) => `${r} has ${n} resource instances`);
    failures.set('NamespaceContentRemaining', ['SomeResourcesRemain', `Some resources are remaining: ${msg}`]);
  }
  if (sweep.finalizers.size) {
    const msg = listOf(sweep.finalizers, (f, n) => `${f} in ${n} resource instances`);
    failures.set('NamespaceFinalizersRemaining', ['SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${msg}`]);
  }
  return CONDITIONS.map(([type, okReason, okMessage]) => {
    const failure = failures.get(type);
    const [status, reason, message] = failure ? ['True', ...failure] : ['False', okReason, okMessage];
    const prev = old?.find((c) => c.type === type);
    if (prev && prev.status === status && prev.reason === reason && prev.message === message) return prev;
    return { type, status, lastTransitionTime: now, reason, message };
  });
}

/** One namespace being deleted; returns when it wants to look again. */
function finalizeNamespace(ctx: ApiContext, ns: KubeObject): number | undefined {
  const name = ns.metadata.name!;
  const deletedAt = Date.parse(ns.metadata.deletionTimestamp!);
  if (ctx.now() < deletedAt + DELETION_DELAY_MS) return deletedAt + DELETION_DELAY_MS;
  if (ns.status?.phase !== 'Terminating') ns = writeStatus(ctx, ns, { ...ns.status, phase: 'Terminating' });
  if (!ns.spec?.finalizers?.includes(FINALIZER)) return undefined;
  const sweep = deleteAllContent(ctx, name, deletedAt);
  const conditions = deletionConditions(ns.status?.conditions, sweep, rfc3339(ctx.now()));
  if (JSON.stringify(conditions) !== JSON.stringify(ns.status?.conditions)) ns = writeStatus(ctx, ns, { ...ns.status, conditions });
  if (sweep.errors.length) return ctx.now() + RETRY_MS;
  // ResourcesRemainingError: the controller requeues after estimate/2 + 1 seconds.
  if (sweep.estimate > 0) return ctx.now() + (Math.floor(sweep.estimate / 2) + 1) * 1000;
  const body = structuredClone(ns);
  body.spec.finalizers = ns.spec.finalizers.filter((f: string) => f !== FINALIZER).sort();
  updateObject(ctx, NAMESPACES, '', name, body, 'finalize');
  return undefined;
}

function writeStatus(ctx: ApiContext, ns: KubeObject, status: any): KubeObject {
  const body = structuredClone(ns);
  body.status = status;
  return updateObject(ctx, NAMESPACES, '', ns.metadata.name!, body, 'status');
}

export const namespaceController: Controller = {
  name: 'namespace',
  identity: 'system:serviceaccount:kube-system:namespace-controller',
  reconcile(ctx) {
    let next: number | undefined;
    for (const { obj } of ctx.store.list(resKey(NAMESPACES), '')) {
      if (!obj.metadata.deletionTimestamp) continue;
      const wake = finalizeNamespace(ctx, obj);
      if (wake !== undefined && (next === undefined || wake < next)) next = wake;
    }
    return next;
  },
};
