// core/v1 LimitRange: SetDefaults_LimitRangeItem and ValidateLimitRange. No printer upstream, so the table is
// the default Name / Created At. Quantities print as written (upstream prints Quantity.String(), the same
// text for canonical input).
import { duplicate, forbidden, invalid, required, type FieldError } from '../apiserver/field-errors';
import { isQualifiedName } from '../apiserver/names';
import { milliValue, parseNanos, wholeValue } from '../admission/quantity';
import { isExtendedResource, isNativeResource, isOvercommitAllowed, resourceNameErrors } from './resourcequotas';
import type { KubeObject, ResourceDef } from './types';

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];
const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
/** resource.MaxMilliValue: beyond it upstream compares whole values instead of milli-values. */
const MAX_MILLI_VALUE = 9223372036854775n;

type ResourceList = Record<string, string>;

/** Container items: default ← max, then defaultRequest ← default, then ← min. */
function defaultItem(item: any) {
  if (item.type !== 'Container') return;
  const withMissing = (target: ResourceList, source: ResourceList = {}) => {
    for (const [k, v] of Object.entries(source)) if (!(k in target)) target[k] = v;
    return target;
  };
  const def = withMissing({ ...item.default }, item.max);
  const request = withMissing(withMissing({ ...item.defaultRequest }, def), item.min);
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(request).length) item.defaultRequest = request;
}

function typeErrors(type: string, field: string): FieldError[] {
  const errs = isQualifiedName(type).map((msg) => invalid(field, type, msg));
  if (!errs.length && !type.includes('/') && !LIMIT_TYPES.includes(type)) {
    errs.push(invalid(field, type, 'must be a standard limit type or fully qualified'));
  }
  return errs;
}

/** validateLimitRangeResourceName: Pod and Container items only take container resources. */
function resourceErrors(type: string, name: string, field: string): FieldError[] {
  const errs = resourceNameErrors(name, field);
  if (type !== 'Pod' && type !== 'Container') return errs;
  if (!name.includes('/')) {
    if (!CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-')) errs.push(invalid(field, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** maxLimitRequestRatio may not exceed max/min, compared in milli-units when they fit (as upstream). */
function ratioLimitExceeded(ratio: bigint, min: bigint, max: bigint): { exceeded: boolean; limit: number } {
  const milli = [ratio, min, max].every((q) => wholeValue(q) < MAX_MILLI_VALUE);
  const ratioValue = milli ? Number(milliValue(ratio)) / 1000 : Number(wholeValue(ratio));
  const limit = milli ? Number(milliValue(max)) / Number(milliValue(min)) : Number(wholeValue(max)) / Number(wholeValue(min));
  return { exceeded: ratioValue > limit, limit };
}

/** The pairwise rules between min, max, default, defaultRequest and maxLimitRequestRatio of one resource. */
function comparisonErrors(item: any, k: string, path: string): FieldError[] {
  const raw = (list: string) => item[list]?.[k] as string | undefined;
  const parsed = (list: string) => (raw(list) === undefined ? undefined : parseNanos(raw(list)));
  const [min, max, def, request, ratio] = ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio'].map(parsed);
  const [minS, maxS, defS, requestS, ratioS] = ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio'].map(raw);
  const errs: FieldError[] = [];
  if (min !== undefined && max !== undefined && min > max) {
    errs.push(invalid(`${path}.min[${k}]`, minS, `min value ${minS} is greater than max value ${maxS}`));
  }
  if (request !== undefined && min !== undefined && min > request) {
    errs.push(invalid(`${path}.defaultRequest[${k}]`, requestS, `min value ${minS} is greater than default request value ${requestS}`));
  }
  if (request !== undefined && max !== undefined && request > max) {
    errs.push(invalid(`${path}.defaultRequest[${k}]`, requestS, `default request value ${requestS} is greater than max value ${maxS}`));
  }
  if (request !== undefined && def !== undefined && request > def) {
    errs.push(invalid(`${path}.defaultRequest[${k}]`, requestS, `default request value ${requestS} is greater than default limit value ${defS}`));
  }
  if (def !== undefined && min !== undefined && min > def) {
    errs.push(invalid(`${path}.default[${k}]`, minS, `min value ${minS} is greater than default value ${defS}`));
  }
  if (def !== undefined && max !== undefined && def > max) {
    errs.push(invalid(`${path}.default[${k}]`, maxS, `default value ${defS} is greater than max value ${maxS}`));
  }
  if (ratio !== undefined && ratio < 1_000_000_000n) {
    errs.push(invalid(`${path}.maxLimitRequestRatio[${k}]`, ratioS, `ratio ${ratioS} is less than 1`));
  }
  if (ratio !== undefined && min !== undefined && max !== undefined) {
    const { exceeded, limit } = ratioLimitExceeded(ratio, min, max);
    if (exceeded) errs.push(invalid(`${path}.maxLimitRequestRatio[${k}]`, ratioS, `ratio ${ratioS} is greater than max/min = ${limit.toFixed(6)}`));
  }
  if (!isOvercommitAllowed(k) && def !== undefined && request !== undefined && def !== request) {
    errs.push(invalid(`${path}.defaultRequest[${k}]`, requestS, `default value ${defS} must equal to defaultRequest value ${requestS} in ${k}`));
  }
  return errs;
}

function validateItem(item: any, path: string): FieldError[] {
  const type: string = item.type ?? '';
  const errs: FieldError[] = [];
  const keys = new Set<string>();
  const checkNames = (list: string) => {
    for (const k of Object.keys(item[list] ?? {})) {
      errs.push(...resourceErrors(type, k, `${path}.${list}[${k}]`));
      keys.add(k);
    }
  };
  checkNames('max');
  checkNames('min');
  if (type === 'Pod') {
    if (Object.keys(item.default ?? {}).length) errs.push(forbidden(`${path}.default`, "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length) errs.push(forbidden(`${path}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  } else {
    checkNames('default');
    checkNames('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && item.min?.storage === undefined && item.max?.storage === undefined) {
    errs.push(required(`${path}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  checkNames('maxLimitRequestRatio');
  // Upstream walks the keys in map order; sorted here so messages are stable.
  for (const k of [...keys].sort()) errs.push(...comparisonErrors(item, k, path));
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const seen = new Set<string>();
  return (obj.spec?.limits ?? []).flatMap((item: any, i: number) => {
    const path = `spec.limits[${i}]`;
    const type: string = item.type ?? '';
    const errs = typeErrors(type, `${path}.type`);
    if (seen.has(type)) errs.push(duplicate(`${path}.type`, type));
    seen.add(type);
    return [...errs, ...validateItem(item, path)];
  });
}

export const limitranges: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  nameRule: 'subdomain',
  generation: false,
  defaults: (obj) => {
    for (const item of obj.spec?.limits ?? []) defaultItem(item);
  },
  validate,
};
