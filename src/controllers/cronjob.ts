// The CronJob controller (pkg/controller/cronjob cronjob_controllerv2.go, control-plane.md §3.4): on the cluster
// clock, starts the Job `<cronjob>-<scheduled unix minutes>` for the most recent missed schedule, honours
// concurrencyPolicy, startingDeadlineSeconds and suspend, tracks active Jobs and the last success, prunes
// finished Jobs beyond the history limits, and wakes up at the next schedule (+100 ms).
import { rfc3339, type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { createObject, deleteObject } from '../apiserver/writes';
import { jobCondition } from '../resources/jobs';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { controllerRefOf, namespaceTerminating, newControllerRef, timeOf } from './controller-utils';
import { CronError, nextTime, parseSchedule, rfc1123z, rfc3339In, type Schedule } from './cron';
import { objectReference, recordEvent } from './events';
import type { Controller } from './types';
import { IDENTITY, currentOf, listOf, once, syncEach, writeStatus } from './workload-helpers';

const CRONJOBS = findResource('batch', 'v1', 'cronjobs')!;
const JOBS = findResource('batch', 'v1', 'jobs')!;
const COMPONENT = 'cronjob-controller';
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** The controller requeues this long after a schedule time (nextScheduleDelta). */
const DELTA_MS = 100;
const MAX_MISSED = 100;

export const cronJobController: Controller = {
  name: 'cronjob',
  identity: IDENTITY,
  reconcile: (ctx) => syncEach(listOf(ctx, CRONJOBS, ''), (cj) => syncCronJob(ctx, cj)),
};

// ---------------------------------------------------------------------------------------------
// Pure helpers (utils.go)

/** getJobName: `<cronjob>-<minutes since the epoch>`. */
export const jobName = (cj: KubeObject, scheduled: number) => `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;

/** The schedule with spec.timeZone applied (formatSchedule). */
export function scheduleOf(cj: KubeObject): Schedule {
  const tz = cj.spec?.timeZone;
  return parseSchedule(tz ? `TZ=${tz} ${cj.spec?.schedule ?? ''}` : (cj.spec?.schedule ?? ''));
}

/**
 * mostRecentScheduleTime: the latest schedule time in (earliest, now], the number of times missed, and the
 * earliest time considered (last schedule, else creation, raised to now - startingDeadlineSeconds).
 */
export function mostRecentScheduleTime(
  cj: KubeObject,
  now: number,
  schedule: Schedule,
  withDeadline: boolean,
): { earliest: number; recent?: number; missed: number } | undefined {
  let from = timeOf(cj.status?.lastScheduleTime) || timeOf(cj.metadata.creationTimestamp);
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && deadline != null) from = Math.max(from, now - deadline * 1000);
  const t1 = nextTime(schedule, from);
  if (t1 === undefined) return undefined;
  if (now < t1) return { earliest: from, missed: 0 };
  const t2 = nextTime(schedule, t1);
  if (t2 === undefined) return undefined;
  if (now < t2) return { earliest: from, recent: t1, missed: 1 };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return undefined;
  // Rough count, then walk the last stretch (as upstream, so this stays cheap after a long pause).
  const missed = Math.floor((now - t1) / 1000 / between) + 1;
  let recent = t1;
  for (let t = nextTime(schedule, t1 + (missed - 2) * between * 1000); t !== undefined && t <= now; t = nextTime(schedule, t)) recent = t;
  return { earliest: from, recent, missed };
}

/** When to look again: just after the next schedule time. */
function nextWake(cj: KubeObject, now: number, schedule: Schedule): number | undefined {
  const m = mostRecentScheduleTime(cj, now, schedule, false);
  if (!m) return undefined;
  const next = nextTime(schedule, m.recent ?? m.earliest);
  return next === undefined ? undefined : next + DELTA_MS;
}

const finishedCondition = (job: KubeObject): string | undefined =>
  jobCondition(job, 'Complete') ? 'Complete' : jobCondition(job, 'Failed') ? 'Failed' : undefined;

// ---------------------------------------------------------------------------------------------
// Sync

function event(ctx: ApiContext, cj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) {
  recordEvent(ctx, cj, { type, reason, message, component: COMPONENT });
}

/** An event about a standing condition, recorded once per `about` (a schedule time, a Job, a generation). */
function eventOnce(ctx: ApiContext, cj: KubeObject, about: string, type: 'Normal' | 'Warning', reason: string, message: string) {
  if (once(ctx, `${cj.metadata.uid}/${reason}/${about}`)) event(ctx, cj, type, reason, message);
}

/** Deletes a Job (background propagation) and drops it from the active list; false on failure. */
function deleteJob(ctx: ApiContext, cj: KubeObject, status: Record<string, any>, job: KubeObject): boolean {
  try {
    deleteObject(ctx, JOBS, job.metadata.namespace!, job.metadata.name!, { propagationPolicy: 'Background' });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    event(ctx, cj, 'Warning', 'FailedDelete', `Deleted job: ${e.message}`);
    return false;
  }
  status.active = (status.active ?? []).filter((r: any) => r?.uid !== job.metadata.uid);
  event(ctx, cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  return true;
}

function syncCronJob(ctx: ApiContext, cj: KubeObject): number | undefined {
  const now = ctx.now();
  const ns = cj.metadata.namespace!;
  const status: Record<string, any> = structuredClone(cj.status ?? {});
  const jobs = listOf(ctx, JOBS, ns).filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid);

  // Reconcile the active list with the Jobs that exist.
  for (const job of jobs) {
    const active = (status.active ?? []).some((r: any) => r?.uid === job.metadata.uid);
    const finished = finishedCondition(job);
    if (!active && !finished) {
      eventOnce(ctx, cj, job.metadata.uid!, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
    } else if (active && finished) {
      status.active = status.active.filter((r: any) => r?.uid !== job.metadata.uid);
      event(ctx, cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
    }
    if (jobCondition(job, 'Complete') && job.status?.completionTime) {
      if (!status.lastSuccessfulTime || timeOf(job.status.completionTime) > timeOf(status.lastSuccessfulTime)) status.lastSuccessfulTime = job.status.completionTime;
    }
  }
  for (const ref of [...(status.active ?? [])]) {
    if (jobs.some((j) => j.metadata.uid === ref?.uid)) continue;
    event(ctx, cj, 'Normal', 'MissingJob', `Active job went missing: ${ref?.name}`);
    status.active = status.active.filter((r: any) => r !== ref);
  }

  const wake = cj.metadata.deletionTimestamp ? undefined : schedule(ctx, cj, status, now);
  if (!(status.active ?? []).length) delete status.active;
  const updated = writeStatus(ctx, CRONJOBS, cj, ordered(status));
  cleanupFinishedJobs(ctx, updated, status);
  return wake;
}

/** CronJobStatus in Go field order. */
function ordered(status: Record<string, any>) {
  const out: Record<string, unknown> = {};
  for (const k of ['active', 'lastScheduleTime', 'lastSuccessfulTime']) if (status[k] !== undefined) out[k] = status[k];
  return out;
}

/** Starts the Job of the most recent missed schedule time, if any is due; returns the next wake-up. */
function schedule(ctx: ApiContext, cj: KubeObject, status: Record<string, any>, now: number): number | undefined {
  const tz = cj.spec?.timeZone;
  if (tz != null) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      eventOnce(ctx, cj, String(cj.metadata.generation), 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return undefined;
    }
  }
  if (cj.spec?.suspend === true) return undefined;
  let sched: Schedule;
  try {
    sched = scheduleOf(cj);
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    eventOnce(ctx, cj, String(cj.metadata.generation), 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${e.message}`);
    return undefined;
  }
  const view = { ...cj, status };
  const m = mostRecentScheduleTime(view, now, sched, true);
  if (!m) {
    eventOnce(ctx, cj, String(cj.metadata.generation), 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : time difference between two schedules is less than 1 second`);
    return undefined;
  }
  const scheduled = m.recent;
  if (m.missed > MAX_MISSED) {
    eventOnce(ctx, cj, String(scheduled), 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  }
  const wake = () => nextWake(view, now, sched);
  if (scheduled === undefined) return wake();
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline != null && scheduled + deadline * 1000 < now) {
    eventOnce(ctx, cj, String(scheduled), 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return wake();
  }
  const name = jobName(cj, scheduled);
  if ((status.active ?? []).some((r: any) => r?.name === name) || timeOf(status.lastScheduleTime) === scheduled) return wake();
  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && (status.active ?? []).length) {
    eventOnce(ctx, cj, String(scheduled), 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return wake();
  }
  if (policy === 'Replace') {
    for (const ref of [...(status.active ?? [])]) {
      const job = ctx.store.get(`${JOBS.group}/${JOBS.plural}`, ref.namespace ?? cj.metadata.namespace, ref.name)?.obj;
      if (job && !deleteJob(ctx, cj, status, job)) return ctx.now() + 1000;
    }
  }
  let job: KubeObject;
  try {
    job = createObject(ctx, JOBS, cj.metadata.namespace!, jobFromTemplate(cj, scheduled));
    event(ctx, cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name}`);
  } catch (e) {
    if (namespaceTerminating(e)) return undefined;
    if (!(e instanceof ApiError)) throw e;
    const existing = e.code === 409 ? ctx.store.get(`${JOBS.group}/${JOBS.plural}`, cj.metadata.namespace!, name)?.obj : undefined;
    if (!existing) {
      event(ctx, cj, 'Warning', 'FailedCreate', `Error creating job: ${e.message}`);
      return ctx.now() + 1000;
    }
    // Created earlier but not recorded: record it, if it is ours.
    if (controllerRefOf(existing)?.uid !== cj.metadata.uid || (status.active ?? []).some((r: any) => r?.uid === existing.metadata.uid)) return wake();
    job = existing;
  }
  status.active = [...(status.active ?? []), objectReference(job)];
  status.lastScheduleTime = rfc3339(scheduled);
  return nextWake({ ...view, status }, now, sched);
}

/** getJobFromTemplate2: the template's labels, annotations and spec, the scheduled time, a controller ref. */
export function jobFromTemplate(cj: KubeObject, scheduled: number): KubeObject {
  const t = cj.spec?.jobTemplate ?? {};
  const metadata: KubeObject['metadata'] = { name: jobName(cj, scheduled) };
  if (t.metadata?.labels && Object.keys(t.metadata.labels).length) metadata.labels = { ...t.metadata.labels };
  metadata.annotations = { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: rfc3339In(scheduled, cj.spec?.timeZone) };
  metadata.ownerReferences = [newControllerRef(cj)];
  return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: structuredClone(t.spec ?? {}) };
}

/** cleanupFinishedJobs: finished Jobs beyond the history limits go, oldest start first. */
function cleanupFinishedJobs(ctx: ApiContext, cj: KubeObject, status: Record<string, any>) {
  const limits = { Complete: cj.spec?.successfulJobsHistoryLimit, Failed: cj.spec?.failedJobsHistoryLimit };
  if (limits.Complete == null && limits.Failed == null) return;
  const jobs = listOf(ctx, JOBS, cj.metadata.namespace!).filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid);
  let changed = false;
  for (const kind of ['Complete', 'Failed'] as const) {
    const limit = limits[kind];
    if (limit == null) continue;
    const done = jobs.filter((j) => finishedCondition(j) === kind);
    // byJobStartTime: jobs without a start time last, then by start time, then by name.
    done.sort((a, b) => {
      const sa = a.status?.startTime;
      const sb = b.status?.startTime;
      if (!sa !== !sb) return sa ? -1 : 1;
      if (sa !== sb) return timeOf(sa) - timeOf(sb);
      return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
    });
    for (const job of done.slice(0, Math.max(0, done.length - limit))) changed = deleteJob(ctx, cj, status, job) || changed;
  }
  if (changed) {
    if (!(status.active ?? []).length) delete status.active;
    writeStatus(ctx, CRONJOBS, currentOf(ctx, CRONJOBS, cj) ?? cj, ordered(status));
  }
}
