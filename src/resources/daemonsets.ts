// DaemonSets (apps/v1): pkg/apis/apps/v1/defaults.go, pkg/registry/apps/daemonset/strategy.go,
// ValidateDaemonSet, printDaemonSet.
import { invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { validateLabelSelector } from '../apiserver/names';
import {
  ageColumn,
  containerColumns,
  formatLabelSelector,
  formatLabels,
  nameColumn,
  selectorColumn,
  templatePodSpec,
} from '../apiserver/printers';
import { defaultPodTemplate, selectorValue, validateControllerTemplateSpec, validatePodTemplate, validateSelectsTemplate } from './podspec';
import { selectorImmutable } from './replicasets';
import type { Column, KubeObject, ResourceDef } from './types';
import {
  emptySelector,
  fieldDoc,
  intOrPercentValue,
  nonNegative,
  notMoreThan100Percent,
  positiveIntOrPercent,
  selectorRequirementsOf,
} from './workload-common';

/** The v1 form of the internal spec.templateGeneration (pods carry it as label pod-template-generation). */
export const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

function defaults(ds: KubeObject) {
  ds.spec ??= {};
  const spec = ds.spec;
  spec.updateStrategy ??= {};
  const strategy = spec.updateStrategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    strategy.rollingUpdate ??= {};
    strategy.rollingUpdate.maxUnavailable ??= 1;
    strategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  spec.template ??= {};
  defaultPodTemplate(spec.template);
}

/** The template generation of a DaemonSet (1 when unset or malformed). */
export const templateGeneration = (ds: KubeObject): number => {
  const n = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION]);
  return Number.isInteger(n) && n > 0 ? n : 1;
};

function validateRollingUpdate(ru: any, field: string): FieldError[] {
  const errs = [
    ...positiveIntOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`),
    ...positiveIntOrPercent(ru.maxSurge, `${field}.maxSurge`),
    ...notMoreThan100Percent(ru.maxUnavailable, `${field}.maxUnavailable`),
    ...notMoreThan100Percent(ru.maxSurge, `${field}.maxSurge`),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(invalid(`${field}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) errs.push(required(`${field}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

function validateUpdateStrategy(strategy: any, field: string): FieldError[] {
  const s = strategy ?? {};
  if (s.type === 'OnDelete') return [];
  if (s.type === 'RollingUpdate') {
    return s.rollingUpdate == null ? [required(`${field}.rollingUpdate`)] : validateRollingUpdate(s.rollingUpdate, `${field}.rollingUpdate`);
  }
  // The value is the internal struct, which has no JSON tags.
  return [notSupported(field, { Type: s.type ?? '', RollingUpdate: s.rollingUpdate ?? null }, ['RollingUpdate', 'OnDelete'])];
}

function validate(ds: KubeObject): FieldError[] {
  const spec = ds.spec ?? {};
  const sel = spec.selector;
  const errs = validateLabelSelector(sel, 'spec.selector');
  errs.push(...validateSelectsTemplate(selectorRequirementsOf(sel), spec.template, 'spec.template'));
  if (sel != null && emptySelector(sel)) errs.push(invalid('spec.selector', selectorValue(sel), 'empty selector is invalid for daemonset'));
  return [
    ...errs,
    ...validatePodTemplate(spec.template, 'spec.template'),
    ...validateControllerTemplateSpec(spec.template, 'spec.template', 'DaemonSet'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'),
    ...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
  ];
}

const STATUS = 'io.k8s.api.apps.v1.DaemonSetStatus';

const columns: Column[] = [
  nameColumn,
  { name: 'Desired', type: 'integer', description: fieldDoc(STATUS, 'desiredNumberScheduled'), cell: (o) => o.status?.desiredNumberScheduled ?? 0 },
  { name: 'Current', type: 'integer', description: fieldDoc(STATUS, 'currentNumberScheduled'), cell: (o) => o.status?.currentNumberScheduled ?? 0 },
  { name: 'Ready', type: 'integer', description: fieldDoc(STATUS, 'numberReady'), cell: (o) => o.status?.numberReady ?? 0 },
  { name: 'Up-to-date', type: 'integer', description: fieldDoc(STATUS, 'updatedNumberScheduled'), cell: (o) => o.status?.updatedNumberScheduled ?? 0 },
  { name: 'Available', type: 'integer', description: fieldDoc(STATUS, 'numberAvailable'), cell: (o) => o.status?.numberAvailable ?? 0 },
  {
    name: 'Node Selector',
    type: 'string',
    description: fieldDoc('io.k8s.api.core.v1.PodSpec', 'nodeSelector'),
    cell: (o) => formatLabels(templatePodSpec(o)?.nodeSelector),
  },
  ageColumn,
  ...containerColumns(),
  selectorColumn(fieldDoc('io.k8s.api.apps.v1.DaemonSetSpec', 'selector'), (o) => formatLabelSelector(o.spec?.selector)),
];

// DaemonSetStatus: these four counters have no omitempty.
const emptyStatus = () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });

export const daemonsets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true },
  defaults,
  prepareForCreate: (ds) => {
    ds.status = emptyStatus();
    // The internal templateGeneration starts at 1; apps/v1 shows it as an annotation.
    ds.metadata.annotations = { ...ds.metadata.annotations, [TEMPLATE_GENERATION]: String(templateGeneration(ds)) };
  },
  prepareForUpdate: (ds, old) => {
    ds.status = structuredClone(old.status ?? emptyStatus());
    const changed = !deepEqual(ds.spec?.template, old.spec?.template);
    ds.metadata.annotations = { ...ds.metadata.annotations, [TEMPLATE_GENERATION]: String(templateGeneration(old) + (changed ? 1 : 0)) };
  },
  validate,
  validateUpdate: (ds, old) => [...validate(ds), ...selectorImmutable(ds, old)],
  columns,
};
