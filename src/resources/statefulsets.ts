// StatefulSets (apps/v1): pkg/apis/apps/v1/defaults.go, pkg/registry/apps/statefulset/strategy.go,
// ValidateStatefulSetSpec/Update, printStatefulSet.
import { forbidden, invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { validateAnnotations, validateLabelSelector, validateLabels } from '../apiserver/names';
import { ageColumn, containerColumns, labelSelectorString, nameColumn } from '../apiserver/printers';
import { defaultPersistentVolumeClaim } from './persistentvolumeclaims';
import { defaultPodTemplate, selectorValue, validateControllerTemplateSpec, validateSelectsTemplate } from './podspec';
import type { Column, KubeObject, ResourceDef } from './types';
import {
  emptySelector,
  intOrPercentValue,
  nonNegative,
  notMoreThan100Percent,
  positiveIntOrPercent,
  readyReplicasColumn,
  selectorRequirementsOf,
} from './workload-common';

function defaults(sts: KubeObject) {
  sts.spec ??= {};
  const spec = sts.spec;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  spec.updateStrategy ??= {};
  const strategy = spec.updateStrategy;
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) {
    strategy.rollingUpdate.partition ??= 0;
    // MaxUnavailableStatefulSet is beta and on in 1.35.0.
    strategy.rollingUpdate.maxUnavailable ??= 1;
  }
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.template ??= {};
  defaultPodTemplate(spec.template);
  for (const claim of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (!claim || typeof claim !== 'object') continue;
    claim.apiVersion ??= 'v1';
    claim.kind ??= 'PersistentVolumeClaim';
    defaultPersistentVolumeClaim(claim);
  }
}

/** The internal update strategy as Go renders it in error values (no JSON tags). */
const strategyValue = (s: any) => ({ Type: s.type ?? '', RollingUpdate: s.rollingUpdate ?? null });

function validateUpdateStrategy(strategy: any, field: string): FieldError[] {
  const s = strategy ?? {};
  if (!s.type) return [required(field)];
  if (s.type === 'OnDelete') {
    return s.rollingUpdate != null ? [invalid(`${field}.rollingUpdate`, s.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")] : [];
  }
  if (s.type !== 'RollingUpdate') return [invalid(field, strategyValue(s), "must be 'RollingUpdate' or 'OnDelete'")];
  const ru = s.rollingUpdate;
  if (ru == null) return [];
  const errs = nonNegative(ru.partition, `${field}.rollingUpdate.partition`);
  if (ru.maxUnavailable != null) {
    const path = `${field}.rollingUpdate.maxUnavailable`;
    errs.push(...positiveIntOrPercent(ru.maxUnavailable, path));
    if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalid(path, ru.maxUnavailable, 'cannot be 0'));
    errs.push(...notMoreThan100Percent(ru.maxUnavailable, path));
  }
  return errs;
}

function validateRetentionPolicy(policy: any, field: string): FieldError[] {
  if (policy == null) return [];
  const errs: FieldError[] = [];
  for (const k of ['whenDeleted', 'whenScaled']) {
    if (policy[k] !== 'Retain' && policy[k] !== 'Delete') errs.push(notSupported(`${field}.${k}`, policy[k] ?? '', ['Retain', 'Delete']));
  }
  return errs;
}

/** ValidatePodTemplateSpecForStatefulSet: only labels and annotations (the pod spec is checked when pods are made). */
function validateTemplate(template: any, reqs: ReturnType<typeof selectorRequirementsOf>, field: string): FieldError[] {
  const errs = validateSelectsTemplate(reqs, template, field);
  errs.push(...validateLabels(template?.metadata?.labels, `${field}.labels`));
  errs.push(...validateAnnotations(template?.metadata?.annotations, `${field}.annotations`));
  return errs;
}

function validateSpec(sts: KubeObject): FieldError[] {
  const spec = sts.spec ?? {};
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'));
  errs.push(...validateRetentionPolicy(spec.persistentVolumeClaimRetentionPolicy, 'spec.persistentVolumeClaimRetentionPolicy'));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.ordinals != null) errs.push(...nonNegative(spec.ordinals.start, 'spec.ordinals.start'));
  const sel = spec.selector;
  if (sel == null) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (emptySelector(sel)) errs.push(invalid('spec.selector', selectorValue(sel), 'empty selector is invalid for statefulset'));
  }
  const reqs = selectorRequirementsOf(sel);
  if (!reqs) errs.push(invalid('spec.selector', selectorValue(sel), ''));
  else errs.push(...validateTemplate(spec.template, reqs, 'spec.template'));
  errs.push(...validateControllerTemplateSpec(spec.template, 'spec.template', 'StatefulSet'));
  return errs;
}

const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'minReadySeconds', 'persistentVolumeClaimRetentionPolicy'];

function validateUpdate(sts: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateSpec(sts);
  const strip = (spec: any) => Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !MUTABLE.includes(k)));
  if (!deepEqual(strip(sts.spec), strip(old.spec))) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

const columns: Column[] = [nameColumn, readyReplicasColumn, ageColumn, ...containerColumns()];

// StatefulSetStatus.replicas and availableReplicas have no omitempty.
const emptyStatus = () => ({ replicas: 0, availableReplicas: 0 });

export const statefulsets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  nameRule: 'label',
  generation: true,
  subresources: { status: true, scale: { selector: (o) => labelSelectorString(o.spec?.selector) } },
  defaults,
  prepareForCreate: (sts) => {
    sts.status = emptyStatus();
  },
  prepareForUpdate: (sts, old) => {
    sts.status = structuredClone(old.status ?? emptyStatus());
  },
  validate: validateSpec,
  validateUpdate,
  columns,
};
