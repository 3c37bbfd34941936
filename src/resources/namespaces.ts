// core/v1 Namespace: SetDefaults_Namespace, the namespace strategy (pkg/registry/core/namespace),
// ValidateNamespace and printNamespace. Deletion (Terminating, finalizers) lives in the write pipeline.
import { invalid, type FieldError } from '../apiserver/field-errors';
import { isQualifiedName } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { KubeObject, ResourceDef } from './types';

const NAME_LABEL = 'kubernetes.io/metadata.name';
const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

/** The immutable label every namespace carries; set again after generateName produced the name. */
function labelWithName(obj: KubeObject) {
  const name = obj.metadata.name;
  if (name) obj.metadata.labels = { ...obj.metadata.labels, [NAME_LABEL]: name };
}

function prepareForCreate(obj: KubeObject) {
  obj.status = { phase: 'Active' };
  // The `kubernetes` finalizer is required on create (defaulting cannot add it: it is removed over the object's life).
  const finalizers: string[] = obj.spec?.finalizers ?? [];
  if (!finalizers.includes('kubernetes')) obj.spec = { ...obj.spec, finalizers: [...finalizers, 'kubernetes'] };
  labelWithName(obj);
}

/** spec.finalizers only change through /finalize; status is kept by the pipeline (status subresource). */
function prepareForUpdate(obj: KubeObject, old: KubeObject) {
  const finalizers = old.spec?.finalizers;
  obj.spec = { ...obj.spec };
  if (finalizers === undefined) delete obj.spec.finalizers;
  else obj.spec.finalizers = structuredClone(finalizers);
}

/** ValidateNamespace: finalizer names, reported at spec.finalizers (no index) as upstream does. */
function validate(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of obj.spec?.finalizers ?? []) {
    errs.push(...isQualifiedName(f).map((msg) => invalid('spec.finalizers', f, msg)));
    if (!f.includes('/') && !STANDARD_FINALIZERS.includes(f)) {
      errs.push(invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

export const namespaces: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  subresources: { status: true, finalize: true },
  nameRule: 'label',
  generation: false,
  defaults: labelWithName,
  prepareForCreate,
  prepareForUpdate,
  validate,
  // ValidateNamespaceUpdate checks metadata only.
  validateUpdate: () => [],
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'The status of the namespace', cell: (o) => o.status?.phase ?? '' },
    ageColumn,
  ],
  fieldSelectors: { 'status.phase': (o) => o.status?.phase ?? '' },
};
