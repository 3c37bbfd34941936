// PersistentVolumeClaims (core/v1): pkg/apis/core/v1/defaults.go, pkg/registry/core/persistentvolumeclaim
// strategy, ValidatePersistentVolumeClaim(Update), printPersistentVolumeClaim; the pvc-protection finalizer
// of the StorageObjectInUseProtection admission plugin.
import { forbidden, invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { isDNS1123Subdomain, validateLabelSelector } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import { quantityValue } from '../admission/quantity';
import type { Column, KubeObject, ResourceDef } from './types';
import { fieldDoc } from './workload-common';

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

/** SetDefaults_PersistentVolumeClaim(+Spec); also used for StatefulSet claim templates. */
export function defaultPersistentVolumeClaim(pvc: Record<string, any>) {
  pvc.spec ??= {};
  pvc.spec.volumeMode ??= 'Filesystem';
  pvc.status ??= {};
  pvc.status.phase ||= 'Pending';
}

/** helper.GetAccessModesAsString: deduplicated, in a fixed order. */
export function accessModesString(modes: unknown): string {
  const set = new Set(Array.isArray(modes) ? modes : []);
  return [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ]
    .filter(([m]) => set.has(m))
    .map(([, s]) => s)
    .join(',');
}

/** ValidatePersistentVolumeClaimSpec (the parts users meet). */
export function validateClaimSpec(spec: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const modes: unknown[] = Array.isArray(spec?.accessModes) ? spec.accessModes : [];
  if (!modes.length) errs.push(required(`${field}.accessModes`, 'at least 1 access mode is required'));
  if (spec?.selector != null) errs.push(...validateLabelSelector(spec.selector, `${field}.selector`));
  for (const m of modes) if (!ACCESS_MODES.includes(m as string)) errs.push(notSupported(`${field}.accessModes`, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    errs.push(forbidden(`${field}.accessModes`, 'may not use ReadWriteOncePod with other access modes'));
  }
  const storage = spec?.resources?.requests?.storage;
  const key = `${field}.resources[storage]`;
  if (storage == null) errs.push(required(key));
  else {
    const v = quantityValue(storage);
    if (v === undefined) errs.push(invalid(key, String(storage), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    else if (v <= 0) errs.push(invalid(key, String(storage), 'must be greater than zero'));
  }
  const cls = spec?.storageClassName;
  if (cls) errs.push(...isDNS1123Subdomain(cls).map((msg) => invalid(`${field}.storageClassName`, cls, msg)));
  errs.push(...volumeModeErrors(spec?.volumeMode, `${field}.volumeMode`));
  return errs;
}

/** A claim's or a volume's volumeMode, when set. */
export function volumeModeErrors(mode: unknown, field: string): FieldError[] {
  return mode != null && mode !== 'Block' && mode !== 'Filesystem' ? [notSupported(field, mode, ['Block', 'Filesystem'])] : [];
}

/** The StorageObjectInUseProtection admission plugin: the protection finalizer on every new claim and volume. */
export function addProtectionFinalizer(obj: KubeObject, finalizer: string) {
  const finalizers: string[] = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) obj.metadata.finalizers = [...finalizers, finalizer];
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed except storage requests, the volume name (binding)
 * and a storage class set where there was none (retroactive default class).
 */
function validateUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateClaimSpec(pvc.spec, 'spec');
  const mutable = (spec: any, from: any) => {
    const s = structuredClone(spec ?? {});
    if (s.resources?.requests) s.resources.requests.storage = from?.resources?.requests?.storage;
    if (!from?.volumeName) s.volumeName = from?.volumeName;
    if (from?.storageClassName == null) s.storageClassName = from?.storageClassName;
    s.volumeAttributesClassName = from?.volumeAttributesClassName;
    return JSON.parse(JSON.stringify(s));
  };
  if (!deepEqual(mutable(pvc.spec, old.spec), JSON.parse(JSON.stringify(old.spec ?? {})))) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return errs;
}

/** GetPersistentVolumeClaimClass and GetPersistentVolumeClass: the beta annotation wins over the field. */
export const storageClassOf = (o: KubeObject): string =>
  o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? o.spec?.storageClassName ?? '';

const STATUS = 'io.k8s.api.core.v1.PersistentVolumeClaimStatus';
const SPEC = 'io.k8s.api.core.v1.PersistentVolumeClaimSpec';
const bound = (o: KubeObject) => !!o.spec?.volumeName;

const columns: Column[] = [
  nameColumn,
  { name: 'Status', type: 'string', description: fieldDoc(STATUS, 'phase'), cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '') },
  { name: 'Volume', type: 'string', description: fieldDoc(SPEC, 'volumeName'), cell: (o) => o.spec?.volumeName ?? '' },
  { name: 'Capacity', type: 'string', description: fieldDoc(STATUS, 'capacity'), cell: (o) => (bound(o) ? o.status?.capacity?.storage ?? '0' : '') },
  { name: 'Access Modes', type: 'string', description: fieldDoc(STATUS, 'accessModes'), cell: (o) => (bound(o) ? accessModesString(o.status?.accessModes) : '') },
  { name: 'StorageClass', type: 'string', description: 'StorageClass of the pvc', cell: storageClassOf },
  { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pvc', cell: (o) => o.spec?.volumeAttributesClassName ?? '<unset>' },
  ageColumn,
  { name: 'VolumeMode', type: 'string', priority: 1, description: fieldDoc(SPEC, 'volumeMode'), cell: (o) => o.spec?.volumeMode ?? '<unset>' },
];

export const persistentvolumeclaims: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  nameRule: 'subdomain',
  subresources: { status: true },
  defaults: defaultPersistentVolumeClaim,
  prepareForCreate: (pvc) => {
    pvc.status = { phase: 'Pending' };
    addProtectionFinalizer(pvc, PVC_PROTECTION);
  },
  prepareForUpdate: (pvc, old) => {
    pvc.status = structuredClone(old.status ?? { phase: 'Pending' });
  },
  validate: (pvc) => validateClaimSpec(pvc.spec, 'spec'),
  validateUpdate,
  columns,
  fieldSelectors: { 'spec.volumeName': (o) => o.spec?.volumeName ?? '' },
};
