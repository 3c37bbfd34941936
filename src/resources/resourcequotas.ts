// core/v1 ResourceQuota: strategy (status reset on create), ValidateResourceQuota(Update), printResourceQuota.
// Also the resource-name and quantity checks that LimitRange and Node validation share
// (pkg/apis/core/helper/helpers.go, validateResourceName, ValidateResourceQuantityValue).
import { invalid, required, type FieldError } from '../apiserver/field-errors';
import { isQualifiedName } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import { milliValue, tryParseQuantity } from '../admission/quantity';
import type { KubeObject, ResourceDef } from './types';

// ---- resource names ----

const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers',
  'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);
const STANDARD_RESOURCES = new Set([...STANDARD_QUOTA_RESOURCES, 'storage']);
const INTEGER_RESOURCES = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

const isHugePages = (name: string) => name.startsWith('hugepages-');
const isQuotaHugePages = (name: string) => isHugePages(name) || name.startsWith('requests.hugepages-');
/** In the kubernetes.io namespace (unprefixed names are). */
export const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');
export const isExtendedResource = (name: string) =>
  !isNativeResource(name) && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`).length === 0;
/** Native and not hugepages: requests may be lower than limits. */
export const isOvercommitAllowed = (name: string) => isNativeResource(name) && !isHugePages(name);

const isStandardQuotaResource = (name: string) => STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePages(name);
const isIntegerResource = (name: string) => INTEGER_RESOURCES.has(name) || isExtendedResource(name);

/** validateResourceName: a qualified name, and a known one unless it has a domain prefix. */
export function resourceNameErrors(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalid(field, name, msg));
  if (errs.length) return errs;
  if (!name.includes('/') && !(STANDARD_RESOURCES.has(name) || isQuotaHugePages(name))) {
    return [invalid(field, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

function quotaResourceNameErrors(name: string, field: string): FieldError[] {
  const errs = resourceNameErrors(name, field);
  if (!name.includes('/') && !isStandardQuotaResource(name)) errs.push(invalid(field, name, 'must be a standard resource for quota'));
  return errs;
}

/** ValidateResourceQuantityValue: not negative, and whole for countable resources. */
export function quantityErrors(name: string, value: unknown, field: string): FieldError[] {
  const q = tryParseQuantity(value);
  if (q === undefined) return [];
  const errs: FieldError[] = [];
  if (q.nanos < 0n) errs.push(invalid(field, String(value), 'must be greater than or equal to 0'));
  if (isIntegerResource(name) && milliValue(q.nanos) % 1000n !== 0n) errs.push(invalid(field, String(value), 'must be an integer'));
  return errs;
}

// ---- scopes ----

const POD_COUNT = new Set(['pods']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
const PVC_RESOURCES = new Set(['persistentvolumeclaims', 'requests.storage']);
const SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'];
const EXISTS_ONLY_SCOPES = ['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'];
const CONFLICTING_SCOPES = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

function scopeAllows(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return POD_COUNT.has(resource);
  if (scope === 'VolumeAttributesClass') return PVC_RESOURCES.has(resource);
  if (SCOPES.includes(scope)) return POD_COUNT.has(resource) || POD_COMPUTE.has(resource);
  return true;
}

/** Standard hard resources a scope does not apply to, one entry per resource as upstream reports them. */
const misappliedResources = (scope: string, hard: string[]) => hard.filter((k) => isStandardQuotaResource(k) && !scopeAllows(scope, k));

const hasConflict = (scopes: Set<string>) => CONFLICTING_SCOPES.some(([a, b]) => scopes.has(a) && scopes.has(b));

function scopesErrors(spec: any, hard: string[]): FieldError[] {
  const scopes: string[] = spec.scopes ?? [];
  const errs: FieldError[] = [];
  for (const scope of scopes) {
    if (!SCOPES.includes(scope)) errs.push(invalid('spec.scopes', scopes, 'unsupported scope'));
    errs.push(...misappliedResources(scope, hard).map(() => invalid('spec.scopes', scopes, 'unsupported scope applied to resource')));
  }
  if (hasConflict(new Set(scopes))) errs.push(invalid('spec.scopes', scopes, 'conflicting scopes'));
  return errs;
}

/** The internal core.ScopeSelector as Go marshals it (no json tags on internal types). */
const goScopeSelector = (sel: any) => ({
  MatchExpressions: (sel.matchExpressions ?? []).map((r: any) => ({ ScopeName: r.scopeName ?? '', Operator: r.operator ?? '', Values: r.values ?? null })),
});

function scopeSelectorErrors(spec: any, hard: string[]): FieldError[] {
  const sel = spec.scopeSelector;
  if (!sel) return [];
  const path = 'spec.scopeSelector.matchExpressions';
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const req of sel.matchExpressions ?? []) {
    const scope = req.scopeName ?? '';
    const values: string[] = req.values ?? [];
    if (!SCOPES.includes(scope)) errs.push(invalid(`${path}.scopeName`, scope, 'unsupported scope'));
    errs.push(...misappliedResources(scope, hard).map(() => invalid(path, goScopeSelector(sel), 'unsupported scope applied to resource')));
    if (EXISTS_ONLY_SCOPES.includes(scope) && req.operator !== 'Exists') {
      errs.push(
        invalid(
          `${path}.operator`,
          req.operator ?? '',
          "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (!values.length) errs.push(required(`${path}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (values.length) errs.push(invalid(`${path}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else errs.push(invalid(`${path}.operator`, req.operator ?? '', 'not a valid selector operator'));
    seen.add(scope);
  }
  // Upstream reports spec.scopes as the value here.
  if (hasConflict(seen)) errs.push(invalid(path, spec.scopes ?? null, 'conflicting scopes'));
  return errs;
}

function validateSpec(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const hard = Object.keys(spec.hard ?? {}).sort();
  const errs = hard.flatMap((k) => [...quotaResourceNameErrors(k, `spec.hard[${k}]`), ...quantityErrors(k, spec.hard[k], `spec.hard[${k}]`)]);
  return [...errs, ...scopesErrors(spec, hard), ...scopeSelectorErrors(spec, hard)];
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const scopes: string[] | undefined = obj.spec?.scopes;
  const same = (a: string[] = [], b: string[] = []) => new Set(a).size === new Set(b).size && a.every((s) => b.includes(s));
  const errs = validateSpec(obj);
  if (!same(scopes, old.spec?.scopes)) errs.push(invalid('spec.scopes', scopes ?? null, 'field is immutable'));
  return errs;
}

// ---- printing (printResourceQuota) ----

/** "name: used/hard" for the status.hard keys on one side of the Request/Limit split. */
function usageCell(obj: KubeObject, limits: boolean): string {
  const hard: Record<string, string> = obj.status?.hard ?? {};
  const used: Record<string, string> = obj.status?.used ?? {};
  const isLimit = (k: string) => k.split('.').length > 1 && k.split('.')[0] === 'limits';
  return Object.keys(hard)
    .sort()
    .filter((k) => isLimit(k) === limits)
    .map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`)
    .join(', ');
}

export const resourcequotas: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  subresources: { status: true },
  nameRule: 'subdomain',
  generation: false,
  // Status is written by the quota controller only.
  prepareForCreate: (obj) => {
    obj.status = {};
  },
  validate: validateSpec,
  validateUpdate,
  columns: [
    nameColumn,
    {
      name: 'Request',
      type: 'string',
      description: 'Request represents a minimum amount of cpu/memory that a container may consume.',
      cell: (o) => usageCell(o, false),
    },
    {
      name: 'Limit',
      type: 'string',
      description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
      cell: (o) => usageCell(o, true),
    },
    ageColumn,
  ],
};
