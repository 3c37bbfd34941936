// ReplicationControllers (core/v1): SetDefaults_ReplicationController, ValidateReplicationControllerSpec,
// printReplicationController.
import { required, type FieldError } from '../apiserver/field-errors';
import { formatLabels, labelSelectorString } from '../apiserver/printers';
import {
  defaultPodTemplate,
  templateLabelsMismatch,
  validateControllerTemplateSpec,
  validatePodTemplate,
} from './podspec';
import type { KubeObject, ResourceDef } from './types';
import { nonNegative, replicaColumns } from './workload-common';

const isEmpty = (m: unknown) => !m || typeof m !== 'object' || !Object.keys(m).length;

/** labels.SelectorFromSet(selector).Matches: every pair present (keys are not validated). */
const mapSelectorMatches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Selector and object labels default to the template's labels. */
function defaults(rc: KubeObject) {
  rc.spec ??= {};
  const spec = rc.spec;
  spec.replicas ??= 1;
  const labels = spec.template?.metadata?.labels;
  if (labels && typeof labels === 'object') {
    if (isEmpty(spec.selector)) spec.selector = { ...labels };
    if (isEmpty(rc.metadata.labels)) rc.metadata.labels = { ...labels };
  }
  if (spec.template) defaultPodTemplate(spec.template);
}

function validateTemplate(spec: any): FieldError[] {
  const template = spec.template;
  if (!template || typeof template !== 'object') return [required('spec.template')];
  const errs: FieldError[] = [];
  const labels = template.metadata?.labels;
  if (!isEmpty(spec.selector) && !mapSelectorMatches(spec.selector, labels)) {
    errs.push(templateLabelsMismatch('spec.template', labels));
  }
  errs.push(...validatePodTemplate(template, 'spec.template'));
  errs.push(...validateControllerTemplateSpec(template, 'spec.template', 'ReplicationController'));
  return errs;
}

function validate(rc: KubeObject): FieldError[] {
  const spec = rc.spec ?? {};
  return [
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...(isEmpty(spec.selector) ? [required('spec.selector')] : []),
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...validateTemplate(spec),
  ];
}

const columns = replicaColumns(
  {
    desired:
      'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller',
    current:
      'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller',
    ready: 'The number of ready replicas for this replication controller.',
    selector:
      'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  },
  (o) => formatLabels(o.spec?.selector),
);

export const replicationcontrollers: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true, scale: { selector: (o) => labelSelectorString({ matchLabels: o.spec?.selector }) } },
  defaults,
  // ReplicationControllerStatus.replicas has no omitempty: a new controller shows `status: {replicas: 0}`.
  prepareForCreate: (rc) => {
    rc.status = { replicas: 0 };
  },
  prepareForUpdate: (rc, old) => {
    rc.status = structuredClone(old.status ?? { replicas: 0 });
  },
  validate,
  columns,
  fieldSelectors: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};
