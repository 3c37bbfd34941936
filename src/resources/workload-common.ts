// Validation and printer helpers shared by the resource files, the workload kinds most (pkg/apis/apps/validation,
// pkg/apis/batch/validation, pkg/util/validation, pkg/printers). It imports no other resource file at run time,
// so podspec.ts can import it without a cycle.
import { invalid, type FieldError } from '../apiserver/field-errors';
import { regexError } from '../apiserver/names';
import { ageColumn, containerColumns, nameColumn, selectorColumn } from '../apiserver/printers';
import { SelectorError, labelSelectorRequirements, type LabelRequirement } from '../apiserver/selectors';
import { definitions } from '../apiserver/strict';
import type { Column, KubeObject } from './types';

/** The swagger doc of a field, as printer column descriptions quote them. */
export const fieldDoc = (definition: string, field: string): string => definitions[definition]?.properties?.[field]?.description ?? '';

export const NEGATIVE = 'must be greater than or equal to 0';

/** ValidateNonnegativeField for optional numbers. */
export function nonNegative(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, NEGATIVE)] : [];
}

const PERCENT = /^[0-9]+%$/;

/** getIntOrPercentValue: "25%" → 25, 3 → 3, "3" → 3, anything else → 0. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  const digits = PERCENT.test(v) ? v.slice(0, -1) : v;
  return /^[+-]?\d+$/.test(digits) ? Number(digits) : 0;
}

/** ValidatePositiveIntOrPercent. */
export function positiveIntOrPercent(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string') {
    if (PERCENT.test(v)) return [];
    return [invalid(field, v, regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%'))];
  }
  return nonNegative(v, field);
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, field: string): FieldError[] {
  return typeof v === 'string' && PERCENT.test(v) && intOrPercentValue(v) > 100 ? [invalid(field, v, 'must not be greater than 100%')] : [];
}

/** LabelSelectorAsSelector: the requirements, or undefined when the selector does not convert. */
export function selectorRequirementsOf(sel: unknown): LabelRequirement[] | undefined {
  try {
    return labelSelectorRequirements(sel as any);
  } catch (e) {
    if (e instanceof SelectorError) return undefined;
    throw e;
  }
}

/** True for a selector with neither matchLabels nor matchExpressions. */
export const emptySelector = (sel: any) =>
  !Object.keys(sel?.matchLabels ?? {}).length && !(Array.isArray(sel?.matchExpressions) && sel.matchExpressions.length);

/** printBoolPtr: True / False / <unset>. */
export const boolPtr = (v: unknown) => (v === true ? 'True' : v === false ? 'False' : '<unset>');

/** The Ready column of Deployments and StatefulSets: ready of desired replicas. */
export const readyReplicasColumn: Column = {
  name: 'Ready',
  type: 'string',
  description: 'Number of the pod with ready state',
  cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
};

/** printReplicaSet and printReplicationController: the same columns, with each kind's descriptions and selector format. */
export function replicaColumns(
  docs: { desired: string; current: string; ready: string; selector: string },
  selectorCell: (o: KubeObject) => string,
): Column[] {
  return [
    nameColumn,
    { name: 'Desired', type: 'integer', description: docs.desired, cell: (o) => o.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', description: docs.current, cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', description: docs.ready, cell: (o) => o.status?.readyReplicas ?? 0 },
    ageColumn,
    ...containerColumns(),
    selectorColumn(docs.selector, selectorCell),
  ];
}
