// PersistentVolumes (core/v1, cluster-scoped): pkg/apis/core/v1/defaults.go, pkg/registry/core/persistentvolume
// strategy, ValidatePersistentVolume(Update), printPersistentVolume; the pv-protection finalizer of the
// StorageObjectInUseProtection admission plugin.
import { forbidden, invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { ageColumn, nameColumn } from '../apiserver/printers';
import { ACCESS_MODES, accessModesString, addProtectionFinalizer, storageClassOf, volumeModeErrors } from './persistentvolumeclaims';
import { quantityValue } from '../admission/quantity';
import type { Column, KubeObject, ResourceDef } from './types';
import { fieldDoc } from './workload-common';

export const PV_PROTECTION = 'kubernetes.io/pv-protection';

/** The volume sources a PV may name (exactly one). */
const SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'local', 'storageos', 'csi',
];

function defaults(pv: KubeObject) {
  pv.spec ??= {};
  pv.spec.persistentVolumeReclaimPolicy ||= 'Retain';
  pv.spec.volumeMode ??= 'Filesystem';
  pv.status ??= {};
  pv.status.phase ||= 'Pending';
}

function validate(pv: KubeObject): FieldError[] {
  const spec = pv.spec ?? {};
  const errs: FieldError[] = [];
  const modes: unknown[] = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (!modes.length) errs.push(required('spec.accessModes'));
  for (const m of modes) if (!ACCESS_MODES.includes(m as string)) errs.push(notSupported('spec.accessModes', m, ACCESS_MODES));
  const capacity = spec.capacity ?? {};
  if (!Object.keys(capacity).length) errs.push(required('spec.capacity'));
  for (const k of Object.keys(capacity)) if (k !== 'storage') errs.push(notSupported('spec.capacity', k, ['storage']));
  if (capacity.storage != null && !((quantityValue(capacity.storage) ?? 0) > 0)) {
    errs.push(invalid('spec.capacity[storage]', String(capacity.storage), 'must be greater than zero'));
  }
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy && !['Delete', 'Recycle', 'Retain'].includes(policy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, ['Delete', 'Recycle', 'Retain']));
  }
  const present = SOURCES.filter((s) => spec[s] != null);
  if (!present.length) errs.push(required('spec', 'must specify a volume type'));
  for (const s of present.slice(1)) errs.push(forbidden(`spec.${s}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath != null && !spec.hostPath.path) errs.push(required('spec.hostPath.path'));
  errs.push(...volumeModeErrors(spec.volumeMode, 'spec.volumeMode'));
  return errs;
}

/** ValidatePersistentVolumeUpdate: the volume source and node affinity are fixed once set. */
function validateUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const errs = validate(pv);
  if (SOURCES.some((s) => !deepEqual(pv.spec?.[s], old.spec?.[s]))) {
    errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  if (pv.spec?.volumeMode !== old.spec?.volumeMode) errs.push(invalid('spec.volumeMode', pv.spec?.volumeMode ?? null, 'field is immutable'));
  if (old.spec?.nodeAffinity != null && !deepEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) {
    errs.push(invalid('spec.nodeAffinity', pv.spec?.nodeAffinity ?? null, 'field is immutable'));
  }
  return errs;
}

const SPEC = 'io.k8s.api.core.v1.PersistentVolumeSpec';
const STATUS = 'io.k8s.api.core.v1.PersistentVolumeStatus';

const columns: Column[] = [
  nameColumn,
  { name: 'Capacity', type: 'string', description: fieldDoc(SPEC, 'capacity'), cell: (o) => o.spec?.capacity?.storage ?? '0' },
  { name: 'Access Modes', type: 'string', description: fieldDoc(SPEC, 'accessModes'), cell: (o) => accessModesString(o.spec?.accessModes) },
  { name: 'Reclaim Policy', type: 'string', description: fieldDoc(SPEC, 'persistentVolumeReclaimPolicy'), cell: (o) => o.spec?.persistentVolumeReclaimPolicy ?? '' },
  { name: 'Status', type: 'string', description: fieldDoc(STATUS, 'phase'), cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '') },
  {
    name: 'Claim',
    type: 'string',
    description: fieldDoc(SPEC, 'claimRef'),
    cell: (o) => (o.spec?.claimRef ? `${o.spec.claimRef.namespace ?? ''}/${o.spec.claimRef.name ?? ''}` : ''),
  },
  { name: 'StorageClass', type: 'string', description: 'StorageClass of the pv', cell: storageClassOf },
  { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pv', cell: (o) => o.spec?.volumeAttributesClassName ?? '<unset>' },
  { name: 'Reason', type: 'string', description: fieldDoc(STATUS, 'reason'), cell: (o) => o.status?.reason ?? '' },
  ageColumn,
  { name: 'VolumeMode', type: 'string', priority: 1, description: fieldDoc(SPEC, 'volumeMode'), cell: (o) => o.spec?.volumeMode ?? '<unset>' },
];

export const persistentvolumes: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  nameRule: 'subdomain',
  subresources: { status: true },
  defaults,
  prepareForCreate: (pv, ctx) => {
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: ctx.now };
    addProtectionFinalizer(pv, PV_PROTECTION);
  },
  prepareForUpdate: (pv, old) => {
    pv.status = structuredClone(old.status ?? { phase: 'Pending' });
  },
  validate,
  validateUpdate,
  columns,
  fieldSelectors: { 'name': (o) => o.metadata.name ?? '' },
};
