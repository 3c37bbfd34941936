// StorageClasses (storage.k8s.io/v1, cluster-scoped): pkg/apis/storage/v1/defaults.go,
// pkg/apis/storage/validation ValidateStorageClass(Update), printStorageClass.
import { forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { isQualifiedName } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { Column, KubeObject, ResourceDef } from './types';
import { fieldDoc } from './workload-common';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
const MAX_PARAMETERS_BYTES = 256 * 1024;

/** storageutil.IsDefaultAnnotation: either annotation set to "true". */
export const isDefaultClass = (sc: KubeObject) =>
  sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' || sc.metadata.annotations?.[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';

const created = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? '') || 0;

/** storageutil.GetDefaultClass: of the classes marked default, the newest, then the first by name. */
export function defaultStorageClassOf(classes: KubeObject[]): KubeObject | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => created(b) - created(a) || (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  return defaults[0];
}

function defaults(sc: KubeObject) {
  sc.reclaimPolicy ||= 'Delete';
  sc.volumeBindingMode ||= 'Immediate';
}

function validate(sc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = sc.provisioner ?? '';
  if (!provisioner) errs.push(required('provisioner', ''));
  else errs.push(...isQualifiedName(String(provisioner).toLowerCase()).map((msg) => invalid('provisioner', provisioner, msg)));
  let size = 0;
  for (const [k, v] of Object.entries(sc.parameters ?? {})) {
    if (!k) errs.push(invalid('parameters', k, 'field can not be empty.'));
    size += k.length + String(v).length;
  }
  if (size > MAX_PARAMETERS_BYTES) errs.push(tooLong('parameters', MAX_PARAMETERS_BYTES));
  if (sc.reclaimPolicy && !['Delete', 'Retain'].includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']));
  const mode = sc.volumeBindingMode;
  if (mode == null) errs.push(required('volumeBindingMode'));
  else if (!['Immediate', 'WaitForFirstConsumer'].includes(mode)) errs.push(notSupported('volumeBindingMode', mode, ['Immediate', 'WaitForFirstConsumer']));
  return errs;
}

function validateUpdate(sc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validate(sc);
  if (!deepEqual(sc.parameters ?? null, old.parameters ?? null)) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(invalid('volumeBindingMode', sc.volumeBindingMode ?? null, 'field is immutable'));
  return errs;
}

const DEF = 'io.k8s.api.storage.v1.StorageClass';

const columns: Column[] = [
  { ...nameColumn, cell: (o) => `${o.metadata.name ?? ''}${isDefaultClass(o) ? ' (default)' : ''}` },
  { name: 'Provisioner', type: 'string', description: fieldDoc(DEF, 'provisioner'), cell: (o) => o.provisioner ?? '' },
  { name: 'ReclaimPolicy', type: 'string', description: fieldDoc(DEF, 'reclaimPolicy'), cell: (o) => o.reclaimPolicy ?? 'Delete' },
  { name: 'VolumeBindingMode', type: 'string', description: fieldDoc(DEF, 'volumeBindingMode'), cell: (o) => o.volumeBindingMode ?? 'Immediate' },
  { name: 'AllowVolumeExpansion', type: 'string', description: fieldDoc(DEF, 'allowVolumeExpansion'), cell: (o) => o.allowVolumeExpansion === true },
  ageColumn,
];

export const storageclasses: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  nameRule: 'subdomain',
  defaults,
  validate,
  validateUpdate,
  columns,
};

/** The default class a new cluster has (bootstrap creates it): provisioned by the simulated pv-provisioner. */
export const STANDARD_STORAGE_CLASS = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: 'k8s.io/minikube-hostpath',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
};
