// Jobs (batch/v1): pkg/apis/batch/v1/defaults.go, pkg/registry/batch/job/strategy.go (generated selector),
// pkg/apis/batch/validation ValidateJob/ValidateJobUpdate, printJob.
import { invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { isDNS1123Label, validateLabelSelector } from '../apiserver/names';
import { age, ageColumn, containerColumns, formatLabelSelector, humanDuration, nameColumn, selectorColumn } from '../apiserver/printers';
import { matchLabelRequirements } from '../apiserver/selectors';
import { defaultPodTemplate, selectorValue, validatePodTemplate, validateSelectsTemplate } from './podspec';
import type { Column, KubeObject, ResourceDef } from './types';
import { fieldDoc, nonNegative, selectorRequirementsOf } from './workload-common';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';
const MAX_INDEXED_PARALLELISM = 100000;
const INT32_MAX = 2147483647;

/** SetDefaults_JobSpec: what both Jobs and CronJob job templates get. */
export function defaultJobSpec(spec: any) {
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? INT32_MAX : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy != null ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  for (const rule of Array.isArray(spec.podFailurePolicy?.rules) ? spec.podFailurePolicy.rules : []) {
    for (const pattern of Array.isArray(rule?.onPodConditions) ? rule.onPodConditions : []) if (pattern && !pattern.status) pattern.status = 'True';
  }
}

function defaults(job: KubeObject) {
  job.spec ??= {};
  defaultJobSpec(job.spec);
  job.spec.template ??= {};
  defaultPodTemplate(job.spec.template);
  // A job without labels shows its template's (the defaulter runs on every read upstream).
  const labels = job.spec.template.metadata.labels;
  if (labels && !Object.keys(job.metadata.labels ?? {}).length) job.metadata.labels = { ...labels };
}

/** generateSelector: pods labelled with the job's uid and name, selected by the uid. */
function generateSelector(job: KubeObject) {
  const t = job.spec.template;
  t.metadata.labels ??= {};
  const labels = t.metadata.labels;
  const uid = job.metadata.uid!;
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[k] ??= job.metadata.name!;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[k] ??= uid;
  // Keys in the order the API serializes the map (sorted).
  t.metadata.labels = Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]]));
  job.spec.selector ??= {};
  job.spec.selector.matchLabels ??= {};
  job.spec.selector.matchLabels[CONTROLLER_UID_LABEL] ??= uid;
}

function prepareForCreate(job: KubeObject) {
  job.status = {};
  if (job.spec.manualSelector !== true) generateSelector(job);
  if (!Object.keys(job.metadata.labels ?? {}).length) job.metadata.labels = { ...job.spec.template.metadata.labels };
}

/** ValidateHasLabel. */
function hasLabel(labels: Record<string, string> | undefined, key: string, want: string): FieldError[] {
  const path = `spec.template.metadata.labels[${key}]`;
  if (!labels || !(key in labels)) return [required(path, `must be '${want}'`)];
  return labels[key] === want ? [] : [invalid(path, labels, `must be '${want}'`)];
}

/** validateGeneratedSelector: the template carries the generated labels and the selector selects them. */
function validateGeneratedSelector(job: KubeObject, prefixed: boolean): FieldError[] {
  const spec = job.spec ?? {};
  if (spec.manualSelector === true || spec.selector == null) return [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const labels = spec.template?.metadata?.labels;
  const errs: FieldError[] = uid ? [] : [required('metadata.uid')];
  errs.push(...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = { [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name };
  if (prefixed) {
    errs.push(...hasLabel(labels, CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  const reqs = selectorRequirementsOf(spec.selector);
  if (reqs && !matchLabelRequirements(reqs, expected)) errs.push(invalid('spec.selector', selectorValue(spec.selector), '`selector` not auto-generated'));
  return errs;
}

/** validateJobSpec: the checks a Job and a CronJob's job template share (at `field`). */
export function validateJobSpecFields(spec: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errs.push(...nonNegative(spec[k], `${field}.${k}`));
  }
  if (spec.maxFailedIndexes != null && spec.backoffLimitPerIndex == null) {
    errs.push(required(`${field}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  const mode = spec.completionMode;
  if (mode != null && mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(`${field}.completionMode`, mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed') {
    if (spec.completions == null) errs.push(required(`${field}.completions`, 'when completion mode is Indexed'));
    if (spec.parallelism > MAX_INDEXED_PARALLELISM) {
      errs.push(invalid(`${field}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_INDEXED_PARALLELISM} when completion mode is Indexed`));
    }
  } else {
    if (spec.backoffLimitPerIndex != null) errs.push(invalid(`${field}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes != null) errs.push(invalid(`${field}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  const prp = spec.podReplacementPolicy;
  if (prp != null) {
    if (spec.podFailurePolicy != null) {
      if (prp !== 'Failed') errs.push(notSupported(`${field}.podReplacementPolicy`, prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') {
      errs.push(notSupported(`${field}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplate(spec.template, `${field}.template`));
  const restart = spec.template?.spec?.restartPolicy;
  const path = `${field}.template.spec.restartPolicy`;
  if (restart === 'Always' || !restart) errs.push(required(path, 'valid values: "OnFailure", "Never"'));
  else if (restart !== 'OnFailure' && restart !== 'Never') errs.push(notSupported(path, restart, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy != null && restart !== 'Never') errs.push(invalid(path, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

/** ValidateJobSpec: the fields, then the selector and its match with the template. */
function validateJobSpec(spec: any): FieldError[] {
  const errs = validateJobSpecFields(spec, 'spec');
  if (spec.selector == null) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...validateSelectsTemplate(selectorRequirementsOf(spec.selector), spec.template, 'spec.template'));
  return errs;
}

function validate(job: KubeObject): FieldError[] {
  const spec = job.spec ?? {};
  const errs = [...validateGeneratedSelector(job, true), ...validateJobSpec(spec)];
  if (spec.completionMode === 'Indexed' && spec.completions > 0) {
    // Indexed pods are named <job>-<index>, which must stay a DNS label.
    const host = `${job.metadata.name}-${spec.completions - 1}`;
    if (isDNS1123Label(host).length) errs.push(invalid('metadata.name', job.metadata.name, `will not able to create pod with invalid DNS label: ${host}`));
  }
  return errs;
}

const immutable = (a: unknown, b: unknown, field: string): FieldError[] => (deepEqual(a, b) ? [] : [invalid(field, a ?? null, 'field is immutable')]);

function validateUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = job.spec ?? {};
  const was = old.spec ?? {};
  const oldLabels = was.template?.metadata?.labels ?? {};
  const prefixed = CONTROLLER_UID_LABEL in oldLabels && JOB_NAME_LABEL in oldLabels;
  const errs = [...validateGeneratedSelector(job, prefixed), ...validateJobSpec(spec)];
  // Elastic Indexed Jobs may change completions together with parallelism.
  if (spec.completionMode === 'Indexed' && spec.completions != null && was.completions !== spec.completions) {
    if (spec.completions !== spec.parallelism) errs.push(invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
  } else errs.push(...immutable(spec.completions, was.completions, 'spec.completions'));
  errs.push(...immutable(selectorValue(spec.selector), selectorValue(was.selector), 'spec.selector'));
  errs.push(...immutable(spec.template, was.template, 'spec.template'));
  for (const k of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...immutable(spec[k], was[k], `spec.${k}`));
  }
  return errs;
}

/** The first condition of a type decides (hasJobCondition). */
export function jobCondition(job: KubeObject, type: string): boolean {
  const c = (job.status?.conditions ?? []).find((x: any) => x?.type === type);
  return c?.status === 'True';
}

function statusCell(job: KubeObject): string {
  if (jobCondition(job, 'Complete')) return 'Complete';
  if (jobCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (jobCondition(job, 'Suspended')) return 'Suspended';
  if (jobCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (jobCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completionsCell(job: KubeObject): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(job: KubeObject, now: number): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime;
  return end ? humanDuration(Date.parse(end) - Date.parse(start)) : age(start, now);
}

const columns: Column[] = [
  nameColumn,
  { name: 'Status', type: 'string', description: 'Status of the job.', cell: statusCell },
  { name: 'Completions', type: 'string', description: fieldDoc('io.k8s.api.batch.v1.JobStatus', 'succeeded'), cell: completionsCell },
  { name: 'Duration', type: 'string', description: 'Time required to complete the job.', cell: durationCell },
  ageColumn,
  ...containerColumns(),
  selectorColumn(fieldDoc('io.k8s.api.batch.v1.JobSpec', 'selector'), (o) => formatLabelSelector(o.spec?.selector)),
];

export const jobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true },
  defaults,
  prepareForCreate,
  prepareForUpdate: (job, old) => {
    job.status = structuredClone(old.status ?? {});
  },
  validate,
  validateUpdate,
  columns,
  fieldSelectors: { 'status.successful': (o) => String(o.status?.succeeded ?? 0) },
};
