// The Job controller (pkg/controller/job, control-plane.md §3.3): runs pods to completion, `parallelism` at a
// time until `completions` succeed (NonIndexed or Indexed), replaces failed pods after an exponential back-off,
// fails the Job past backoffLimit or activeDeadlineSeconds, tracks finished pods with the
// batch.kubernetes.io/job-tracking finalizer, and finishes in two steps (SuccessCriteriaMet / FailureTarget,
// then Complete / Failed once no pod is terminating). Also the TTL-after-finished controller.
import { rfc3339, type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { deleteObject, updateObject } from '../apiserver/writes';
import { jobCondition } from '../resources/jobs';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { selectorRequirementsOf } from '../resources/workload-common';
import { controllerRefOf, isPodActive, isPodReady, isPodTerminating, retryForget, retryLater, retryPending, slowStartBatch, timeOf } from './controller-utils';
import { recordEvent } from './events';
import { podFromTemplate, podsToDelete } from './replicaset';
import type { Controller } from './types';
import { IDENTITY, PODS, claim, createPodFor, currentOf, deletePodFor, earliest, fingerprint, listOf, syncEach, writeStatus } from './workload-helpers';

const JOBS = findResource('batch', 'v1', 'jobs')!;
const COMPONENT = 'job-controller';
export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** Pods one sync creates or deletes at most (MaxPodCreateDeletePerSync). */
const MAX_PER_SYNC = 500;
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 10 * 60_000;

export const jobController: Controller = {
  name: 'job',
  identity: IDENTITY,
  reconcile(ctx) {
    const jobs = listOf(ctx, JOBS, '');
    releaseOrphans(ctx, jobs);
    return syncEach(jobs, (job) => syncJob(ctx, job));
  },
};

/** pkg/controller/ttlafterfinished: deletes finished Jobs ttlSecondsAfterFinished after they finished. */
export const ttlAfterFinishedController: Controller = {
  name: 'ttl-after-finished',
  identity: 'system:serviceaccount:kube-system:ttl-after-finished-controller',
  reconcile(ctx) {
    let wake: number | undefined;
    for (const job of listOf(ctx, JOBS, '')) {
      const ttl = job.spec?.ttlSecondsAfterFinished;
      const finished = finishTime(job);
      if (ttl == null || finished === undefined || job.metadata.deletionTimestamp) continue;
      const at = finished + ttl * 1000;
      if (at > ctx.now()) {
        wake = earliest(wake, at);
        continue;
      }
      try {
        deleteObject(ctx, JOBS, job.metadata.namespace!, job.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
      }
    }
    return wake;
  },
};

// ---------------------------------------------------------------------------------------------
// Pure helpers

const conditionOf = (job: KubeObject, type: string) => (job.status?.conditions ?? []).find((c: any) => c?.type === type && c?.status === 'True');
export const isFinished = (job: KubeObject) => jobCondition(job, 'Complete') || jobCondition(job, 'Failed');

/** When a Job finished (its Complete or Failed condition), for the TTL controller. */
function finishTime(job: KubeObject): number | undefined {
  const c = conditionOf(job, 'Complete') ?? conditionOf(job, 'Failed');
  return c ? timeOf(c.lastTransitionTime) || undefined : undefined;
}

/** getFinishedTime: the last container's exit, else when the pod was deleted or stopped being ready. */
export function podFinishTime(pod: KubeObject): number {
  let t = 0;
  for (const cs of pod.status?.containerStatuses ?? []) t = Math.max(t, timeOf(cs?.state?.terminated?.finishedAt));
  if (t) return t;
  const ready = (pod.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
  return timeOf(pod.metadata.deletionTimestamp) || timeOf(ready?.lastTransitionTime) || timeOf(pod.metadata.creationTimestamp);
}

/** The pod-failure back-off: 10 s doubling per failure since the last success, at most 10 min. */
export const failureBackoff = (failures: number) => (failures <= 0 ? 0 : Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS));

/** isPodFailed: failed, or (with the TerminatingOrFailed policy and no podFailurePolicy) deleted before succeeding. */
function isPodFailed(pod: KubeObject, job: KubeObject): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy != null) return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

const indexOf = (pod: KubeObject): number | undefined => {
  const v = pod.metadata.annotations?.[INDEX_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

/** Completed indexes as intervals: [0,1,2,4] → "0-2,4". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** "0-2,4" → [0,1,2,4]. */
export function parseIndexes(s: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sync

const hasFinalizer = (p: KubeObject) => !!p.metadata.finalizers?.includes(TRACKING_FINALIZER);

/** Removes the tracking finalizer; false when the pod could not be updated. */
function untrack(ctx: ApiContext, pod: KubeObject): boolean {
  const next = structuredClone(pod);
  next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f: string) => f !== TRACKING_FINALIZER);
  if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
  try {
    updateObject(ctx, PODS, pod.metadata.namespace!, pod.metadata.name!, next, '');
    return true;
  } catch (e) {
    if (e instanceof ApiError) return e.code === 404;
    throw e;
  }
}

/** Pods still tracked by a Job that is gone: nobody will count them, so they are released. */
function releaseOrphans(ctx: ApiContext, jobs: KubeObject[]) {
  const live = new Set(jobs.map((j) => j.metadata.uid));
  for (const pod of listOf(ctx, PODS, '')) {
    if (!hasFinalizer(pod)) continue;
    const ref = controllerRefOf(pod);
    if (!ref || (ref.kind === 'Job' && !live.has(ref.uid))) untrack(ctx, pod);
  }
}

const condition = (type: string, reason: string, message: string, now: string, status = 'True') => ({
  type, status, lastProbeTime: now, lastTransitionTime: now, reason, message,
});

const COMPLETIONS_REACHED = ['CompletionsReached', 'Reached expected number of succeeded pods'];
const BACKOFF_LIMIT = ['BackoffLimitExceeded', 'Job has reached the specified backoff limit'];
const DEADLINE = ['DeadlineExceeded', 'Job was active longer than specified deadline'];

/** The pods a Job controls, as stored now. */
const podsOf = (ctx: ApiContext, job: KubeObject) =>
  listOf(ctx, PODS, job.metadata.namespace!).filter((p) => controllerRefOf(p)?.uid === job.metadata.uid);

function syncJob(ctx: ApiContext, job: KubeObject): number | undefined {
  // A deleted or finished Job counts nothing more: its pods are only released.
  if (job.metadata.deletionTimestamp || isFinished(job)) {
    for (const pod of podsOf(ctx, job)) if (hasFinalizer(pod)) untrack(ctx, pod);
    return undefined;
  }
  const selector = selectorRequirementsOf(job.spec?.selector);
  if (!selector) return undefined;
  const now = ctx.now();
  const nowText = rfc3339(now);
  const spec = job.spec ?? {};
  const indexed = spec.completionMode === 'Indexed';
  let pods = claim(ctx, PODS, job, listOf(ctx, PODS, job.metadata.namespace!), selector);
  const status: Record<string, any> = structuredClone(job.status ?? {});
  let conditions: any[] = status.conditions ?? [];

  // Count finished pods once: drop their finalizer, then add them up.
  const completed = new Set(parseIndexes(status.completedIndexes));
  let newSucceeded = 0;
  let newFailed = 0;
  for (const pod of pods) {
    if (!hasFinalizer(pod)) continue;
    const succeeded = pod.status?.phase === 'Succeeded';
    const failed = !succeeded && isPodFailed(pod, job);
    if ((!succeeded && !failed) || !untrack(ctx, pod)) continue;
    if (succeeded) {
      const i = indexOf(pod);
      if (!indexed) newSucceeded++;
      else if (i !== undefined && i < (spec.completions ?? 0) && !completed.has(i)) completed.add(i);
    } else if (failed) newFailed++;
  }
  pods = pods.map((p) => currentOf(ctx, PODS, p)).filter((p): p is KubeObject => !!p);
  const succeeded = indexed ? completed.size : (status.succeeded ?? 0) + newSucceeded;
  const failedCount = (status.failed ?? 0) + newFailed;

  const active = pods.filter(isPodActive);
  let wake: number | undefined;
  const suspended = spec.suspend === true;
  const wasSuspended = jobCondition(job, 'Suspended');
  if (suspended !== wasSuspended) {
    conditions = conditions.filter((c) => c?.type !== 'Suspended');
    conditions.push(suspended ? condition('Suspended', 'JobSuspended', 'Job suspended', nowText) : condition('Suspended', 'JobResumed', 'Job resumed', nowText, 'False'));
    recordEvent(ctx, job, { type: 'Normal', reason: suspended ? 'Suspended' : 'Resumed', message: suspended ? 'Job suspended' : 'Job resumed', component: COMPONENT });
    if (!suspended) status.startTime = nowText;
  }
  if (!suspended && !status.startTime) status.startTime = nowText;

  // Why the Job ends, if it does (checked in upstream's order).
  let target = conditions.find((c) => (c?.type === 'FailureTarget' || c?.type === 'SuccessCriteriaMet') && c?.status === 'True');
  if (!target && !suspended) {
    const restarts = active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, c: any) => m + (c?.restartCount ?? 0), 0), 0);
    const limit = spec.backoffLimit ?? 6;
    const onFailure = spec.template?.spec?.restartPolicy === 'OnFailure';
    const deadline = spec.activeDeadlineSeconds != null && status.startTime ? timeOf(status.startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
    const complete = spec.completions == null ? succeeded > 0 && !active.length : succeeded >= spec.completions;
    let why: string[] | undefined;
    if (failedCount > limit || (onFailure && (limit === 0 ? restarts > 0 : restarts >= limit))) why = BACKOFF_LIMIT;
    else if (deadline !== undefined && deadline <= now) why = DEADLINE;
    else if (complete) {
      conditions.push((target = condition('SuccessCriteriaMet', COMPLETIONS_REACHED[0], COMPLETIONS_REACHED[1], nowText)));
    }
    if (why) conditions.push((target = condition('FailureTarget', why[0], why[1], nowText)));
    if (deadline !== undefined && !target) wake = earliest(wake, deadline);
  }

  // Ending or suspended: no pod keeps running. After a failed create or delete, wait for the retry back-off
  // or for something to change.
  const key = `Job/${job.metadata.uid}`;
  const retryAt = retryPending(ctx, key, fingerprint(job, podsOf(ctx, job)));
  if (retryAt !== undefined) wake = earliest(wake, retryAt);
  else {
    const failed = target || suspended ? !deleteAll(ctx, job, active) : manage(ctx, job, pods, active, succeeded, completed, now);
    if (failed === true) wake = earliest(wake, retryLater(ctx, key, fingerprint(job, podsOf(ctx, job))));
    else {
      retryForget(ctx, key);
      if (typeof failed === 'number') wake = earliest(wake, failed);
    }
  }

  // The final condition once nothing terminates any more.
  if (target && !podsOf(ctx, job).some(isPodTerminating)) {
    const success = target.type === 'SuccessCriteriaMet';
    conditions.push(condition(success ? 'Complete' : 'Failed', target.reason, target.message, nowText));
    if (success) {
      status.completionTime = nowText;
      recordEvent(ctx, job, { type: 'Normal', reason: 'Completed', message: 'Job completed', component: COMPONENT });
      if (spec.completions != null && succeeded > spec.completions) {
        recordEvent(ctx, job, { type: 'Warning', reason: 'TooManySucceededPods', message: 'Too many succeeded pods running after completion count reached', component: COMPONENT });
      }
    } else {
      recordEvent(ctx, job, { type: 'Warning', reason: target.reason, message: target.message, component: COMPONENT });
    }
  }

  const after = podsOf(ctx, job);
  // JobStatus in Go field order; ready, terminating and uncountedTerminatedPods are always written.
  const next: Record<string, unknown> = {};
  if (conditions.length) next.conditions = conditions;
  if (status.startTime) next.startTime = status.startTime;
  if (status.completionTime) next.completionTime = status.completionTime;
  const activeNow = after.filter(isPodActive);
  if (activeNow.length) next.active = activeNow.length;
  if (succeeded) next.succeeded = succeeded;
  if (failedCount) next.failed = failedCount;
  next.terminating = after.filter(isPodTerminating).length;
  if (indexed && completed.size) next.completedIndexes = formatIndexes(completed);
  next.uncountedTerminatedPods = {};
  next.ready = activeNow.filter(isPodReady).length;
  writeStatus(ctx, JOBS, job, next);
  return wake;
}

/** Deletes pods (at most a sync's worth); false when one could not be deleted. */
function deleteAll(ctx: ApiContext, job: KubeObject, pods: KubeObject[]): boolean {
  let ok = true;
  for (const pod of pods.slice(0, MAX_PER_SYNC)) {
    try {
      deletePodFor(ctx, job, pod, COMPONENT);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      ok = false;
    }
  }
  return ok;
}

/**
 * manageJob: as many active pods as wanted, new ones only after the failure back-off. Returns true when a
 * create or delete failed, or the time the back-off ends.
 */
function manage(ctx: ApiContext, job: KubeObject, pods: KubeObject[], active: KubeObject[], succeeded: number, completed: Set<number>, now: number): boolean | number | undefined {
  const spec = job.spec ?? {};
  const parallelism = spec.parallelism ?? 1;
  let want: number;
  if (spec.completions == null) want = succeeded > 0 ? active.length : parallelism;
  else want = Math.max(0, Math.min(spec.completions - succeeded, parallelism));
  if (active.length > want) return !deleteAll(ctx, job, podsToDelete(active, [], active.length - want, now));
  const missing = want - active.length;
  if (!missing) return undefined;
  // Back-off: failures since the last success, measured from the last failure.
  const lastSuccess = Math.max(0, ...pods.filter((p) => p.status?.phase === 'Succeeded').map(podFinishTime));
  const failures = pods.filter((p) => p.status?.phase === 'Failed' && podFinishTime(p) >= lastSuccess);
  const lastFailure = Math.max(0, ...failures.map(podFinishTime));
  const failuresSinceSuccess = lastSuccess ? failures.length : Math.max(failures.length, job.status?.failed ?? 0);
  const readyAt = lastFailure + failureBackoff(failuresSinceSuccess);
  if (failuresSinceSuccess && readyAt > now) return readyAt;
  let indexes: number[] = [];
  if (spec.completionMode === 'Indexed') {
    const busy = new Set(active.map(indexOf));
    for (let i = 0; i < (spec.completions ?? 0) && indexes.length < missing; i++) if (!completed.has(i) && !busy.has(i)) indexes.push(i);
  }
  const n = Math.min(missing, MAX_PER_SYNC, spec.completionMode === 'Indexed' ? indexes.length : missing);
  let k = 0;
  const { error } = slowStartBatch(n, () => {
    createPodFor(ctx, job, jobPod(job, spec.completionMode === 'Indexed' ? indexes[k++] : undefined), COMPONENT);
  });
  if (error !== undefined && !(error instanceof ApiError)) throw error;
  return error !== undefined;
}

/** A Job's pod: the template with the tracking finalizer; Indexed pods also carry their index. */
export function jobPod(job: KubeObject, index?: number): KubeObject {
  const pod = podFromTemplate(job);
  pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), TRACKING_FINALIZER];
  if (index === undefined) return pod;
  const name = job.metadata.name!;
  pod.metadata.generateName = `${name}-${index}-`;
  pod.metadata.annotations = { ...pod.metadata.annotations, [INDEX_ANNOTATION]: String(index) };
  pod.metadata.labels = { ...pod.metadata.labels, [INDEX_ANNOTATION]: String(index) };
  pod.spec.hostname = `${name}-${index}`;
  const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } };
  for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
    if (!(c.env ?? []).some((e: any) => e?.name === env.name)) c.env = [...(c.env ?? []), structuredClone(env)];
  }
  return pod;
}
