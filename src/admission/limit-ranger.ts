// LimitRanger (plugin/pkg/admission/limitranger), policy.md §4: on pod create, the Container items'
// `default` and `defaultRequest` fill missing limits and requests (mutating); then every LimitRange's min, max
// and maxLimitRequestRatio are enforced on pods (Container and Pod items) and PVCs (validating).
import { resKey, type ApiContext } from '../apiserver/context';
import type { KubeObject } from '../resources/types';
import { parseResourceList, podResources, type ResourceList } from './pod-resources';
import { milliValue, quantityString, wholeValue, type Quantity } from './quantity';
import { admissionForbidden, aggregateErrors, type Attributes } from './types';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

const LIMIT_RANGES = { group: '', plural: 'limitranges' };
/** resource.MaxMilliValue: beyond it values are compared whole instead of in milli-units. */
const MAX_MILLI_VALUE = 9223372036854775n;

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const items = (lr: KubeObject): any[] => list(lr.spec?.limits);

// ---------------------------------------------------------------------------------------------
// Defaults (mutating)

/** defaultContainerResourceRequirements: the Container items' defaults, a later item winning. */
function containerDefaults(lr: KubeObject): { limits: Record<string, string>; requests: Record<string, string> } {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  const copy = (into: Record<string, string>, rl: unknown) => {
    for (const [k, q] of Object.entries(parseResourceList(rl))) into[k] = quantityString(q);
  };
  for (const item of items(lr)) {
    if (item?.type !== 'Container') continue;
    copy(requests, item.defaultRequest);
    copy(limits, item.default);
  }
  return { limits, requests };
}

/** mergeContainerResources: sets what is missing; returns the annotation parts for this container. */
function mergeContainer(c: any, defaults: ReturnType<typeof containerDefaults>, label: string): string[] {
  const set = (kind: 'limits' | 'requests', from: Record<string, string>): string[] => {
    const added = Object.keys(from).filter((k) => c.resources?.[kind]?.[k] === undefined);
    if (!added.length) return [];
    c.resources ??= {};
    c.resources[kind] ??= {};
    for (const k of added) c.resources[kind][k] = from[k];
    return added.sort();
  };
  const limits = set('limits', defaults.limits);
  const requests = set('requests', defaults.requests);
  const parts: string[] = [];
  if (requests.length) parts.push(`${requests.join(', ')} request for ${label} ${c.name}`);
  if (limits.length) parts.push(`${limits.join(', ')} limit for ${label} ${c.name}`);
  return parts;
}

/**
 * PodMutateLimitFunc for each LimitRange in turn: fills missing container limits and requests and records
 * what it set in the `kubernetes.io/limit-ranger` annotation (each LimitRange that sets anything rewrites it).
 */
export function applyLimitRangeDefaults(pod: KubeObject, limitRanges: KubeObject[]) {
  for (const lr of limitRanges) {
    const defaults = containerDefaults(lr);
    if (!Object.keys(defaults.limits).length && !Object.keys(defaults.requests).length) continue;
    const parts = [
      ...list(pod.spec?.containers).flatMap((c) => (c ? mergeContainer(c, defaults, 'container') : [])),
      ...list(pod.spec?.initContainers).flatMap((c) => (c ? mergeContainer(c, defaults, 'init container') : [])),
    ];
    if (!parts.length) continue;
    pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${parts.join('; ')}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Constraints (validating)

/** requestLimitEnforcedValues: milli-values when all three fit, whole values otherwise (missing = 0). */
function comparable(request: Quantity | undefined, limit: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const qs = [request, limit, enforced];
  const whole = qs.map((q) => (q ? wholeValue(q.nanos) : 0n));
  if (whole.every((v) => v <= MAX_MILLI_VALUE)) return qs.map((q) => (q ? milliValue(q.nanos) : 0n)) as [bigint, bigint, bigint];
  return whole as [bigint, bigint, bigint];
}

const str = quantityString;

function minConstraint(type: string, r: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const [req, lim, min] = comparable(requests[r], limits[r], enforced);
  if (!requests[r]) return `minimum ${r} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (req < min) return `minimum ${r} usage per ${type} is ${str(enforced)}, but request is ${str(requests[r])}`;
  if (limits[r] && lim < min) return `minimum ${r} usage per ${type} is ${str(enforced)}, but limit is ${str(limits[r])}`;
  return undefined;
}

function maxConstraint(type: string, r: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const [req, lim, max] = comparable(requests[r], limits[r], enforced);
  if (!limits[r]) return `maximum ${r} usage per ${type} is ${str(enforced)}.  No limit is specified`;
  if (lim > max) return `maximum ${r} usage per ${type} is ${str(enforced)}, but limit is ${str(limits[r])}`;
  if (requests[r] && req > max) return `maximum ${r} usage per ${type} is ${str(enforced)}, but request is ${str(requests[r])}`;
  return undefined;
}

/** maxRequestConstraint (PVCs): the max applies to the request, there being no limits. */
function maxRequestConstraint(type: string, r: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const [req, , max] = comparable(requests[r], undefined, enforced);
  if (!requests[r]) return `maximum ${r} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (req > max) return `maximum ${r} usage per ${type} is ${str(enforced)}, but request is ${str(requests[r])}`;
  return undefined;
}

function ratioConstraint(type: string, r: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const [req, lim] = comparable(requests[r], limits[r], enforced);
  if (!requests[r] || req === 0n) return `${r} max limit to request ratio per ${type} is ${str(enforced)}, but no request is specified or request is 0`;
  if (!limits[r] || lim === 0n) return `${r} max limit to request ratio per ${type} is ${str(enforced)}, but no limit is specified or limit is 0`;
  const ratio = Number(lim) / Number(req);
  const milli = wholeValue(enforced.nanos) <= MAX_MILLI_VALUE;
  const observed = milli ? ratio * 1000 : ratio;
  const allowed = Number(milli ? milliValue(enforced.nanos) : wholeValue(enforced.nanos));
  if (observed > allowed) return `${r} max limit to request ratio per ${type} is ${str(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

/** The min, then max, then ratio checks of one item against one set of requests and limits (keys sorted: upstream walks maps). */
function itemErrors(item: any, type: string, requests: ResourceList, limits: ResourceList): string[] {
  const checks: [string, typeof minConstraint][] = [
    ['min', minConstraint],
    ['max', maxConstraint],
    ['maxLimitRequestRatio', ratioConstraint],
  ];
  const errs: string[] = [];
  for (const [field, check] of checks) {
    const bounds = parseResourceList(item[field]);
    for (const r of Object.keys(bounds).sort()) {
      const err = check(type, r, bounds[r], requests, limits);
      if (err) errs.push(err);
    }
  }
  return errs;
}

/** PodValidateLimitFunc: Container items against every container and init container, Pod items against the pod's totals. */
export function podLimitErrors(pod: KubeObject, lr: KubeObject): string[] {
  const errs: string[] = [];
  for (const item of items(lr)) {
    if (item?.type === 'Container') {
      for (const c of [...list(pod.spec?.containers), ...list(pod.spec?.initContainers)]) {
        errs.push(...itemErrors(item, 'Container', parseResourceList(c?.resources?.requests), parseResourceList(c?.resources?.limits)));
      }
    } else if (item?.type === 'Pod') {
      errs.push(...itemErrors(item, 'Pod', podResources(pod, 'requests', false), podResources(pod, 'limits', false)));
    }
  }
  return errs;
}

/** PersistentVolumeClaimValidateLimitFunc: min and max of the storage request. */
export function pvcLimitErrors(pvc: KubeObject, lr: KubeObject): string[] {
  const requests = parseResourceList(pvc.spec?.resources?.requests);
  const errs: string[] = [];
  for (const item of items(lr)) {
    if (item?.type !== 'PersistentVolumeClaim') continue;
    const min = parseResourceList(item.min);
    const max = parseResourceList(item.max);
    const found = [
      ...Object.keys(min).sort().map((r) => minConstraint('PersistentVolumeClaim', r, min[r], requests, {})),
      ...Object.keys(max).sort().map((r) => maxRequestConstraint('PersistentVolumeClaim', r, max[r], requests)),
    ];
    errs.push(...found.filter((e): e is string => e !== undefined));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// The plugin

const isPods = (a: Attributes) => a.def.group === '' && a.def.plural === 'pods';
const isPVCs = (a: Attributes) => a.def.group === '' && a.def.plural === 'persistentvolumeclaims';

/** SupportsAttributes: pod creates (containers are immutable afterwards) and PVC writes, never subresources. */
function handles(a: Attributes): boolean {
  if (a.subresource || a.oldObject?.metadata.deletionTimestamp) return false;
  return (isPods(a) && a.operation === 'CREATE') || isPVCs(a);
}

const limitRangesIn = (ctx: ApiContext, namespace: string) => ctx.store.list(resKey(LIMIT_RANGES), namespace).map((e) => e.obj);

export function limitRangerAdmit(ctx: ApiContext, a: Attributes) {
  if (!handles(a) || !isPods(a)) return;
  const lrs = limitRangesIn(ctx, a.namespace);
  if (lrs.length) applyLimitRangeDefaults(a.object, lrs);
}

/** The first LimitRange with violations answers 403 with all of its messages. */
export function limitRangerValidate(ctx: ApiContext, a: Attributes) {
  if (!handles(a)) return;
  for (const lr of limitRangesIn(ctx, a.namespace)) {
    const errs = isPods(a) ? podLimitErrors(a.object, lr) : pvcLimitErrors(a.object, lr);
    if (errs.length) throw admissionForbidden(a, aggregateErrors(errs));
  }
}
