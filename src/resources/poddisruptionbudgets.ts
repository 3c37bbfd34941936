// PodDisruptionBudgets (policy/v1): pkg/registry/policy/poddisruptionbudget/strategy.go (no defaults in v1;
// status reset on create), pkg/apis/policy/validation, printPodDisruptionBudget, and the DisruptionAllowed
// condition that the disruption controller and the eviction subresource both set
// (k8s.io/component-helpers/apps/poddisruptionbudget).
import { duplicate, invalid, notSupported, required, tooLong, type FieldError } from '../apiserver/field-errors';
import { isQualifiedName, regexError, validateLabelSelector } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { Column, KubeObject, ResourceDef } from './types';
import { nonNegative, notMoreThan100Percent, positiveIntOrPercent } from './workload-common';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** The internal PodDisruptionBudgetSpec as Go marshals it (no json tags): the value of the spec-level error. */
const goSpec = (spec: any) => ({
  MinAvailable: spec.minAvailable ?? null,
  Selector: spec.selector ?? null,
  MaxUnavailable: spec.maxUnavailable ?? null,
  UnhealthyPodEvictionPolicy: spec.unhealthyPodEvictionPolicy ?? null,
});

function validateSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    errs.push(invalid('spec', goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const k of ['minAvailable', 'maxUnavailable']) {
    if (spec[k] != null) errs.push(...positiveIntOrPercent(spec[k], `spec.${k}`), ...notMoreThan100Percent(spec[k], `spec.${k}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy != null && !EVICTION_POLICIES.includes(policy)) errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  return errs;
}

const REASON = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

/** metav1 ValidateConditions. */
function conditionErrors(conditions: any[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  conditions.forEach((c: any, i: number) => {
    const at = `${path}[${i}]`;
    const type = c?.type ?? '';
    if (seen.has(type)) errs.push(duplicate(`${at}.type`, type));
    seen.add(type);
    errs.push(...isQualifiedName(type).map((msg) => invalid(`${at}.type`, type, msg)));
    if (!CONDITION_STATUSES.includes(c?.status)) errs.push(notSupported(`${at}.status`, c?.status ?? '', CONDITION_STATUSES));
    if (typeof c?.observedGeneration === 'number' && c.observedGeneration < 0) {
      errs.push(invalid(`${at}.observedGeneration`, c.observedGeneration, 'must be greater than or equal to zero'));
    }
    if (!c?.lastTransitionTime) errs.push(required(`${at}.lastTransitionTime`, 'must be set'));
    const reason: string = c?.reason ?? '';
    if (!reason) errs.push(required(`${at}.reason`, 'must be set'));
    else {
      if (!new RegExp(`^${REASON}$`).test(reason)) {
        const msg = "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";
        errs.push(invalid(`${at}.reason`, reason, regexError(msg, REASON, 'my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB')));
      }
      if (reason.length > 1024) errs.push(tooLong(`${at}.reason`, 1024));
    }
    if ((c?.message ?? '').length > 32768) errs.push(tooLong(`${at}.message`, 32768));
  });
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate (v1): conditions, and counts that are never negative. */
function statusErrors(status: any): FieldError[] {
  const s = status ?? {};
  return [
    ...conditionErrors(Array.isArray(s.conditions) ? s.conditions : [], 'status.conditions'),
    ...['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'].flatMap((k) => nonNegative(s[k], `status.${k}`)),
  ];
}

/**
 * apimeta.SetStatusCondition for the DisruptionAllowed condition: the transition time moves only when the
 * status does. `reason` SufficientPods / InsufficientPods, or SyncFailed with the error as message.
 */
export function setDisruptionAllowed(status: any, reason: 'SufficientPods' | 'InsufficientPods' | 'SyncFailed', message: string, now: string) {
  const conditions: any[] = (status.conditions ??= []);
  const value = reason === 'SufficientPods' ? 'True' : 'False';
  const old = conditions.find((c) => c?.type === 'DisruptionAllowed');
  const next: Record<string, unknown> = { type: 'DisruptionAllowed', status: value };
  if (status.observedGeneration) next.observedGeneration = status.observedGeneration;
  Object.assign(next, { lastTransitionTime: old && old.status === value ? old.lastTransitionTime : now, reason, message });
  if (old) conditions[conditions.indexOf(old)] = next;
  else conditions.push(next);
}

/** UpdateDisruptionAllowedCondition: follows status.disruptionsAllowed. */
export const updateDisruptionAllowed = (status: any, now: string) =>
  setDisruptionAllowed(status, status.disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods', '', now);

// v1 PodDisruptionBudgetStatus: the four counts have no omitempty.
const emptyStatus = () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });

/** IntOrString.String(), N/A when unset. */
const intOrStringCell = (v: unknown) => (v == null ? 'N/A' : String(v));

const columns: Column[] = [
  nameColumn,
  { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available.', cell: (o) => intOrStringCell(o.spec?.minAvailable) },
  { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable.', cell: (o) => intOrStringCell(o.spec?.maxUnavailable) },
  {
    name: 'Allowed Disruptions',
    type: 'integer',
    description: 'Calculated number of pods that may be disrupted at this time.',
    cell: (o) => o.status?.disruptionsAllowed ?? 0,
  },
  ageColumn,
];

export const poddisruptionbudgets: ResourceDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true },
  defaults: (pdb) => {
    pdb.spec ??= {};
  },
  prepareForCreate: (pdb: KubeObject) => {
    pdb.status = emptyStatus();
  },
  prepareForUpdate: (pdb, old) => {
    pdb.status = structuredClone(old.status ?? emptyStatus());
  },
  validate: (pdb) => validateSpec(pdb.spec ?? {}),
  // A main-resource update carries the stored status, so checking it there is a no-op.
  validateUpdate: (pdb) => [...validateSpec(pdb.spec ?? {}), ...statusErrors(pdb.status)],
  columns,
};
