// Validation and printer helpers shared by the DaemonSet, StatefulSet, Job, CronJob, HPA and storage kinds
// (pkg/apis/apps/validation, pkg/apis/batch/validation, pkg/util/validation).
import { forbidden, invalid, notSupported, type FieldError } from '../apiserver/field-errors';
import { regexError } from '../apiserver/names';
import { SelectorError, labelSelectorRequirements, type LabelRequirement } from '../apiserver/selectors';
import { definitions } from '../apiserver/strict';

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

/** The template rules of DaemonSets and StatefulSets: pods restart Always and have no deadline. */
export function validateAlwaysRestartTemplate(template: any, field: string, kind: 'DaemonSet' | 'StatefulSet'): FieldError[] {
  const spec = template?.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.restartPolicy !== 'Always') errs.push(notSupported(`${field}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds != null) {
    errs.push(forbidden(`${field}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
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
