// meta.k8s.io/v1 Table responses (what makes `kubectl get` print real columns).
import { defaultColumns } from './printers';
import { apiVersionOf, type Column, type KubeObject, type ResourceDef } from '../resources/types';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** True when the Accept header asks for a Table (kubectl get sends as=Table;g=meta.k8s.io first). */
export function wantsTable(accept: string | null): boolean {
  if (!accept) return false;
  const first = accept.split(',')[0];
  return /(^|;)\s*as=Table/.test(first) && /(^|;)\s*g=meta\.k8s\.io/.test(first);
}

export function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

const columnsOf = (def: ResourceDef): Column[] => def.columns ?? defaultColumns;

export function columnDefinitions(def: ResourceDef) {
  return columnsOf(def).map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 }));
}

export function tableRow(def: ResourceDef, obj: KubeObject, now: number, include: IncludeObject) {
  const row: Record<string, unknown> = { cells: columnsOf(def).map((c) => c.cell(obj, now)) };
  const conditions = def.rowConditions?.(obj);
  if (conditions?.length) row.conditions = conditions;
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialMetadata(obj);
  return row;
}

function partialMetadata(obj: KubeObject) {
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function table(
  def: ResourceDef,
  objects: KubeObject[],
  now: number,
  include: IncludeObject,
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  withHeaders = true,
) {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withHeaders ? columnDefinitions(def) : [],
    rows: objects.map((o) => tableRow(def, o, now, include)),
  };
}

export const listKind = (def: ResourceDef) => ({ kind: `${def.kind}List`, apiVersion: apiVersionOf(def) });
