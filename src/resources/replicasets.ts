// ReplicaSets (apps/v1): pkg/registry/apps/replicaset/strategy.go, ValidateReplicaSetSpec, printReplicaSet.
import { invalid, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { formatLabelSelector, labelSelectorString } from '../apiserver/printers';
import { defaultPodTemplate, selectorValue, validateSelectorAndTemplate } from './podspec';
import type { KubeObject, ResourceDef } from './types';
import { nonNegative, replicaColumns } from './workload-common';

function defaults(rs: KubeObject) {
  rs.spec ??= {};
  rs.spec.replicas ??= 1;
  rs.spec.template ??= {};
  defaultPodTemplate(rs.spec.template);
}

function validate(rs: KubeObject): FieldError[] {
  const spec = rs.spec ?? {};
  return [
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateSelectorAndTemplate(spec, 'spec'),
  ];
}

/** apps/v1 selectors never change after creation. */
export function selectorImmutable(obj: KubeObject, old: KubeObject): FieldError[] {
  const now = selectorValue(obj.spec?.selector);
  return deepEqual(now, selectorValue(old.spec?.selector)) ? [] : [invalid('spec.selector', now, 'field is immutable')];
}

const columns = replicaColumns(
  {
    desired:
      'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    current:
      'Replicas is the most recently oberved number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    ready: 'The number of ready replicas for this replica set.',
    selector:
      'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  },
  (o) => formatLabelSelector(o.spec?.selector),
);

export const replicasets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true, scale: { selector: (o) => labelSelectorString(o.spec?.selector) } },
  defaults,
  // ReplicaSetStatus.replicas has no omitempty: a new replica set shows `status: {replicas: 0}`.
  prepareForCreate: (rs) => {
    rs.status = { replicas: 0 };
  },
  prepareForUpdate: (rs, old) => {
    rs.status = structuredClone(old.status ?? { replicas: 0 });
  },
  validate,
  validateUpdate: (rs, old) => [...validate(rs), ...selectorImmutable(rs, old)],
  columns,
  fieldSelectors: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};
