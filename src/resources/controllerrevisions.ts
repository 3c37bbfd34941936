// ControllerRevisions (apps/v1): immutable snapshots of DaemonSet/StatefulSet templates.
// pkg/apis/apps/validation ValidateControllerRevision(Update), printControllerRevision.
import { invalid, required, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { Column, KubeObject, ResourceDef } from './types';
import { fieldDoc, nonNegative } from './workload-common';

function validate(cr: KubeObject): FieldError[] {
  return [...(cr.data == null ? [required('data', 'data is mandatory')] : []), ...nonNegative(cr.revision, 'revision')];
}

/** formatResourceName(GroupKind, name): `daemonset.apps/fluentd`, `<none>` without a controller. */
function controllerCell(cr: KubeObject): string {
  const ref = (cr.metadata.ownerReferences ?? []).find((r: any) => r?.controller === true);
  if (!ref) return '<none>';
  const apiVersion = String(ref.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = String(ref.kind ?? '');
  if (!kind && !group) return ref.name;
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${ref.name}`;
}

const columns: Column[] = [
  nameColumn,
  { name: 'Controller', type: 'string', description: 'Controller of the object', cell: controllerCell },
  { name: 'Revision', type: 'string', description: fieldDoc('io.k8s.api.apps.v1.ControllerRevision', 'revision'), cell: (o) => o.revision ?? 0 },
  ageColumn,
];

export const controllerrevisions: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  nameRule: 'subdomain',
  defaults: (cr) => {
    cr.revision ??= 0;
  },
  validate,
  validateUpdate: (cr, old) => [...validate(cr), ...(deepEqual(cr.data, old.data) ? [] : [invalid('data', cr.data ?? null, 'field is immutable')])],
  columns,
};
