// Deployments (apps/v1): pkg/apis/apps/v1/defaults.go, ValidateDeploymentSpec, printDeployment.
import { forbidden, invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { ageColumn, containerColumns, labelSelectorString, nameColumn, selectorColumn } from '../apiserver/printers';
import { defaultPodTemplate, validateSelectorAndTemplate } from './podspec';
import { selectorImmutable } from './replicasets';
import type { Column, KubeObject, ResourceDef } from './types';
import { intOrPercentValue, nonNegative, notMoreThan100Percent, positiveIntOrPercent, readyReplicasColumn } from './workload-common';

function defaults(d: KubeObject) {
  d.spec ??= {};
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  if (!spec.strategy.type) spec.strategy.type = 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template ??= {};
  defaultPodTemplate(spec.template);
}

function validateRollingUpdate(ru: any, field: string): FieldError[] {
  const errs = [
    ...positiveIntOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`),
    ...positiveIntOrPercent(ru.maxSurge, `${field}.maxSurge`),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalid(`${field}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  return [...errs, ...notMoreThan100Percent(ru.maxUnavailable, `${field}.maxUnavailable`)];
}

function validateStrategy(strategy: any, field: string): FieldError[] {
  const s = strategy ?? {};
  if (s.type === 'Recreate') {
    return s.rollingUpdate != null ? [forbidden(`${field}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (s.type === 'RollingUpdate') {
    if (s.rollingUpdate == null) return [required(`${field}.rollingUpdate`, 'this should be defaulted and never be nil')];
    return validateRollingUpdate(s.rollingUpdate, `${field}.rollingUpdate`);
  }
  const value: Record<string, unknown> = { type: s.type ?? '' };
  if (s.rollingUpdate != null) value.rollingUpdate = s.rollingUpdate;
  return [notSupported(field, value, ['Recreate', 'RollingUpdate'])];
}

function validate(d: KubeObject): FieldError[] {
  const spec = d.spec ?? {};
  const errs = [
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...validateSelectorAndTemplate(spec, 'spec'),
    ...validateStrategy(spec.strategy, 'spec.strategy'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
  ];
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (spec.minReadySeconds ?? 0)) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

const columns: Column[] = [
  nameColumn,
  readyReplicasColumn,
  {
    name: 'Up-to-date',
    type: 'string',
    description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    cell: (o) => o.status?.updatedReplicas ?? 0,
  },
  {
    name: 'Available',
    type: 'string',
    description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    cell: (o) => o.status?.availableReplicas ?? 0,
  },
  ageColumn,
  ...containerColumns(),
  // LabelSelectorAsSelector(...).String(): no <none> for an empty selector.
  selectorColumn(
    'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    (o) => labelSelectorString(o.spec?.selector),
  ),
];

export const deployments: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true, scale: { selector: (o) => labelSelectorString(o.spec?.selector) } },
  defaults,
  prepareForCreate: (d) => {
    d.status = {};
  },
  prepareForUpdate: (d, old) => {
    d.status = structuredClone(old.status ?? {});
  },
  validate,
  validateUpdate: (d, old) => [...validate(d), ...selectorImmutable(d, old)],
  columns,
};
