// CronJobs (batch/v1): pkg/apis/batch/v1/defaults.go, pkg/apis/batch/validation ValidateCronJobCreate/Update,
// printCronJob.
import { CronError, knownZone, parseSchedule } from '../controllers/cron';
import { invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { age, ageColumn, containerColumns, formatLabelSelector, nameColumn, selectorColumn } from '../apiserver/printers';
import { validateJobSpecFields } from './jobs';
import { defaultPodTemplate, selectorValue } from './podspec';
import type { Column, KubeObject, ResourceDef } from './types';
import { boolPtr, fieldDoc, nonNegative } from './workload-common';

function defaults(cj: KubeObject) {
  cj.spec ??= {};
  const spec = cj.spec;
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  spec.jobTemplate ??= {};
  spec.jobTemplate.metadata ??= {};
  spec.jobTemplate.spec ??= {};
  spec.jobTemplate.spec.template ??= {};
  defaultPodTemplate(spec.jobTemplate.spec.template);
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown): FieldError[] {
  const errs: FieldError[] = [];
  try {
    parseSchedule(schedule);
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    errs.push(invalid('spec.schedule', schedule, e.message));
  }
  if (schedule.includes('TZ')) {
    if (!allowTZ) errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    else if (timeZone != null) errs.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  }
  return errs;
}

const ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: unknown): FieldError[] {
  if (tz == null) return [];
  const zone = String(tz);
  if (!zone) return [invalid('spec.timeZone', zone, 'timeZone must be nil or non-empty string')];
  if (zone.split('/').some((p) => p === '.' || p === '..' || p.startsWith('-') || !ZONE_PART.test(p)) || !knownZone(zone)) {
    return [invalid('spec.timeZone', zone, `unknown time zone ${zone}`)];
  }
  if (zone.toLowerCase() === 'local') return [invalid('spec.timeZone', zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  return [];
}

function validateSpec(spec: any, old: any | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.schedule) errs.push(required('spec.schedule'));
  else errs.push(...validateSchedule(String(spec.schedule), String(old?.schedule ?? '').includes('TZ'), spec.timeZone));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (old === undefined || old.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone));
  const policy = spec.concurrencyPolicy;
  if (!policy) errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) errs.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  // ValidateJobTemplateSpec: the job fields; the selector is always generated.
  const jobSpec = spec.jobTemplate?.spec ?? {};
  errs.push(...validateJobSpecFields(jobSpec, 'spec.jobTemplate.spec'));
  if (jobSpec.selector != null) errs.push(invalid('spec.jobTemplate.spec.selector', selectorValue(jobSpec.selector), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

/** Job names append `-<11 digits>`, and a Job name must stay within 63 characters. */
const MAX_NAME = 52;

function validate(cj: KubeObject): FieldError[] {
  const errs = validateSpec(cj.spec ?? {}, undefined);
  const name = cj.metadata.name ?? '';
  if (name.length > MAX_NAME) errs.push(invalid('metadata.name', name, `must be no more than ${MAX_NAME} characters`));
  return errs;
}

const jobPodSpec = (o: KubeObject) => o.spec?.jobTemplate?.spec?.template?.spec;
const SPEC = 'io.k8s.api.batch.v1.CronJobSpec';
const STATUS = 'io.k8s.api.batch.v1.CronJobStatus';

const columns: Column[] = [
  nameColumn,
  { name: 'Schedule', type: 'string', description: fieldDoc(SPEC, 'schedule'), cell: (o) => o.spec?.schedule ?? '' },
  { name: 'Timezone', type: 'string', description: fieldDoc(SPEC, 'timeZone'), cell: (o) => o.spec?.timeZone ?? '<none>' },
  { name: 'Suspend', type: 'boolean', description: fieldDoc(SPEC, 'suspend'), cell: (o) => boolPtr(o.spec?.suspend) },
  { name: 'Active', type: 'integer', description: fieldDoc(STATUS, 'active'), cell: (o) => (o.status?.active ?? []).length },
  {
    name: 'Last Schedule',
    type: 'string',
    description: fieldDoc(STATUS, 'lastScheduleTime'),
    cell: (o, now) => (o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, now) : '<none>'),
  },
  ageColumn,
  ...containerColumns(jobPodSpec),
  selectorColumn(fieldDoc('io.k8s.api.batch.v1.JobSpec', 'selector'), (o) => formatLabelSelector(o.spec?.jobTemplate?.spec?.selector)),
];

export const cronjobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true },
  defaults,
  prepareForCreate: (cj) => {
    cj.status = {};
  },
  prepareForUpdate: (cj, old) => {
    cj.status = structuredClone(old.status ?? {});
  },
  validate,
  // Names longer than 52 characters stay updatable (and deletable) on update.
  validateUpdate: (cj, old) => validateSpec(cj.spec ?? {}, old.spec ?? {}),
  columns,
};
