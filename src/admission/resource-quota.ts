// ResourceQuota (apiserver pkg/admission/plugin/resourcequota, kubernetes pkg/quota/v1/evaluator/core),
// policy.md §2: the evaluators that measure pods, services, PVCs and object counts, scope matching, the
// admission check with upstream's messages, and the usage calculation the quota controller shares.
//
// Usage is summed from the store when a request is checked, and the check, the quota's status update and
// the object's own write all happen in one synchronous turn of the cluster's Durable Object. Nothing can
// interleave between them, so concurrent creates never exceed a quota (the real apiserver needs
// optimistic concurrency on the quota object and retries for the same guarantee).
import { resKey, type ApiContext } from '../apiserver/context';
import { updateObject } from '../apiserver/writes';
import { isExtendedResource, isNativeResource, resourcequotas } from '../resources/resourcequotas';
import type { KubeObject } from '../resources/types';
import { addInto, parseResourceList, podResources, type ResourceList } from './pod-resources';
import { ZERO, addQuantities, compareQuantities, quantityString, subtractQuantities, type Quantity } from './quantity';
import { admissionForbidden, type Attributes, type Operation } from './types';

const ONE: Quantity = { nanos: 1_000_000_000n, format: 'DecimalSI' };
const count = (n: number): Quantity => ({ nanos: BigInt(n) * ONE.nanos, format: 'DecimalSI' });

export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

/** quota.Evaluator: what one resource contributes to quota. */
export interface Evaluator {
  /** store key of the resource measured */
  res: string;
  /** the quota resource names (of `names`) this evaluator accounts for */
  matching(names: string[]): string[];
  usage(obj: KubeObject, now: number): ResourceList;
  matchesScope(req: ScopeRequirement, obj: KubeObject): boolean;
  handles(op: Operation): boolean;
  /** a reason the object may not be admitted under a quota restricting `required`, if any */
  constraints?(required: string[], obj: KubeObject): string | undefined;
}

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const noScope = () => false;

// ---------------------------------------------------------------------------------------------
// Pods

const POD_RESOURCES = new Set([
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
]);
/** The resources whose quota makes every container state them (a historical mistake upstream keeps). */
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

/** podComputeUsageHelper: the quota names a set of requests and limits is charged to. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: ONE };
  for (const r of COMPUTE) {
    if (requests[r]) out[r] = out[`requests.${r}`] = requests[r];
    if (limits[r]) out[`limits.${r}`] = limits[r];
  }
  for (const [r, q] of Object.entries(requests)) {
    if (r.startsWith('hugepages-')) out[r] = out[`requests.${r}`] = q;
    if (isExtendedResource(r)) out[`requests.${r}`] = q;
  }
  return out;
}

/** QuotaV1Pod: terminal pods, and pods whose deletion grace period ran out, are not charged. */
function chargedPod(pod: KubeObject, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const m = pod.metadata;
  if (m.deletionTimestamp && m.deletionGracePeriodSeconds != null) {
    return now <= Date.parse(m.deletionTimestamp) + m.deletionGracePeriodSeconds * 1000;
  }
  return true;
}

/** qos.GetPodQOS == BestEffort: no cpu or memory request or limit above zero, in any container or at pod level. */
function isBestEffort(pod: KubeObject): boolean {
  const spec = pod.spec ?? {};
  const sources = [spec.resources, ...list(spec.containers).map((c) => c?.resources), ...list(spec.initContainers).map((c) => c?.resources)];
  return !sources.some((r) =>
    ['requests', 'limits'].some((kind) => {
      const rl = parseResourceList(r?.[kind]);
      return ['cpu', 'memory'].some((k) => rl[k] && rl[k].nanos > 0n);
    }),
  );
}

const affinityTerms = (a: any): any[] => [
  ...list(a?.requiredDuringSchedulingIgnoredDuringExecution),
  ...list(a?.preferredDuringSchedulingIgnoredDuringExecution).map((w) => w?.podAffinityTerm),
];

/** Any pod (anti-)affinity term that looks beyond the pod's namespace. */
function usesCrossNamespaceAffinity(pod: KubeObject): boolean {
  const affinity = pod.spec?.affinity;
  return [...affinityTerms(affinity?.podAffinity), ...affinityTerms(affinity?.podAntiAffinity)].some(
    (t) => list(t?.namespaces).length > 0 || (t?.namespaceSelector !== undefined && t?.namespaceSelector !== null),
  );
}

/** Label-selector semantics over one pseudo-label (absent when `value` is empty). */
function matchesPseudoLabel(req: ScopeRequirement, value: string): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return !!value && values.includes(value);
    case 'NotIn':
      return !value || !values.includes(value);
    case 'Exists':
      return !!value;
    case 'DoesNotExist':
      return !value;
  }
  return false;
}

function podMatchesScope(req: ScopeRequirement, pod: KubeObject): boolean {
  const deadline = pod.spec?.activeDeadlineSeconds;
  const terminating = typeof deadline === 'number' && deadline >= 0;
  switch (req.scopeName) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass':
      return matchesPseudoLabel(req, pod.spec?.priorityClassName ?? '');
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespaceAffinity(pod);
  }
  return false;
}

/** The 1.35 message: missing resources grouped, `must specify limits.cpu for: a; requests.memory for: a,b`. */
function podConstraints(required: string[], pod: KubeObject): string | undefined {
  const spec = pod.spec ?? {};
  if (spec.resources?.requests || spec.resources?.limits) return undefined; // pod-level resources cover the containers
  const needed = VALIDATION_SET.filter((r) => required.includes(r));
  if (!needed.length) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    const have = computeUsage(parseResourceList(c?.resources?.requests), parseResourceList(c?.resources?.limits));
    for (const r of needed) {
      if (r in have) continue;
      if (!missing.has(r)) missing.set(r, new Set());
      missing.get(r)!.add(c?.name ?? '');
    }
  }
  if (!missing.size) return undefined;
  const groups = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${groups.join('; ')}`;
}

export const podEvaluator: Evaluator = {
  res: '/pods',
  matching: (names) =>
    names.filter((n) => POD_RESOURCES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || (!isNativeResource(n) && n.startsWith('requests.'))),
  usage(pod, now) {
    const out: ResourceList = { 'count/pods': ONE };
    if (!chargedPod(pod, now)) return out;
    return addInto(out, computeUsage(podResources(pod, 'requests'), podResources(pod, 'limits')));
  },
  matchesScope: podMatchesScope,
  // pods/resize is not served here; other pod updates never change usage.
  handles: (op) => op === 'CREATE',
  constraints: podConstraints,
};

// ---------------------------------------------------------------------------------------------
// Services

const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.nodeports', 'services.loadbalancers']);

export const serviceEvaluator: Evaluator = {
  res: '/services',
  matching: (names) => names.filter((n) => SERVICE_RESOURCES.has(n)),
  usage(svc) {
    const ports = list(svc.spec?.ports);
    const out: ResourceList = { 'count/services': ONE, services: ONE, 'services.loadbalancers': ZERO, 'services.nodeports': ZERO };
    if (svc.spec?.type === 'NodePort') out['services.nodeports'] = count(ports.length);
    if (svc.spec?.type === 'LoadBalancer') {
      // Without node port allocation only the ports given one explicitly use a node port.
      const withNodePorts = svc.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p?.nodePort).length : ports.length;
      out['services.nodeports'] = count(withNodePorts);
      out['services.loadbalancers'] = ONE;
    }
    return out;
  },
  matchesScope: noScope,
  handles: () => true,
};

// ---------------------------------------------------------------------------------------------
// PersistentVolumeClaims

const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/** The claim's class: the beta annotation wins over spec.storageClassName. */
const storageClassOf = (pvc: KubeObject): string =>
  pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec?.storageClassName ?? '';

/** Whole bytes, rounded up (Quantity.RoundUp(0)). */
function roundUp(q: Quantity): Quantity {
  const rest = q.nanos % ONE.nanos;
  return rest === 0n ? q : { nanos: q.nanos - rest + (q.nanos > 0n ? ONE.nanos : 0n), format: q.format };
}

/** The referenced VolumeAttributesClass names, for the VolumeAttributesClass scope. */
const attributeClassesOf = (pvc: KubeObject): string[] =>
  [pvc.spec?.volumeAttributesClassName, pvc.status?.currentVolumeAttributesClassName, pvc.status?.modifyVolumeStatus?.targetVolumeAttributesClassName].filter(
    (n): n is string => typeof n === 'string' && n !== '',
  );

/** The VolumeAttributesClass scope: Exists / DoesNotExist on any referenced class, In / NotIn on their names. */
function pvcMatchesScope(req: ScopeRequirement, pvc: KubeObject): boolean {
  if (req.scopeName !== 'VolumeAttributesClass') return false;
  const names = attributeClassesOf(pvc);
  const listed = names.some((n) => (req.values ?? []).includes(n));
  switch (req.operator) {
    case 'Exists':
      return names.length > 0;
    case 'DoesNotExist':
      return names.length === 0;
    case 'In':
      return listed;
    case 'NotIn':
      return !listed;
  }
  return false;
}

export const pvcEvaluator: Evaluator = {
  res: '/persistentvolumeclaims',
  matching: (names) =>
    names.filter((n) => n === 'count/persistentvolumeclaims' || PVC_RESOURCES.includes(n) || PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r))),
  usage(pvc) {
    const out: ResourceList = { persistentvolumeclaims: ONE, 'count/persistentvolumeclaims': ONE };
    const sc = storageClassOf(pvc);
    if (sc) out[`${sc}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = ONE;
    const requested = parseResourceList(pvc.spec?.resources?.requests).storage;
    const allocated = parseResourceList(pvc.status?.allocatedResources).storage;
    const storage = allocated && (!requested || compareQuantities(allocated, requested) > 0) ? allocated : requested;
    if (storage) {
      out['requests.storage'] = roundUp(storage);
      if (sc) out[`${sc}${STORAGE_CLASS_SUFFIX}requests.storage`] = roundUp(storage);
    }
    return out;
  },
  matchesScope: pvcMatchesScope,
  handles: () => true,
};

// ---------------------------------------------------------------------------------------------
// Object counts (everything else)

/** The pre-`count/` names of a few core resources. */
const LEGACY_COUNT_NAMES: Record<string, string> = {
  '/configmaps': 'configmaps',
  '/secrets': 'secrets',
  '/replicationcontrollers': 'replicationcontrollers',
  '/resourcequotas': 'resourcequotas',
};

/** `count/<resource>` for the core group, `count/<resource>.<group>` otherwise. */
const countName = (group: string, plural: string) => (group ? `count/${plural}.${group}` : `count/${plural}`);

/** generic.NewObjectCountEvaluator: one per object, creates only. */
export function objectCountEvaluator(group: string, plural: string): Evaluator {
  const res = `${group}/${plural}`;
  const names = [countName(group, plural), ...(LEGACY_COUNT_NAMES[res] ? [LEGACY_COUNT_NAMES[res]] : [])];
  return {
    res,
    matching: (input) => input.filter((n) => names.includes(n)),
    usage: () => Object.fromEntries(names.map((n) => [n, ONE])),
    matchesScope: noScope,
    handles: (op) => op === 'CREATE',
  };
}

const SPECIAL: Record<string, Evaluator> = { '/pods': podEvaluator, '/services': serviceEvaluator, '/persistentvolumeclaims': pvcEvaluator };

export const evaluatorFor = (group: string, plural: string): Evaluator => SPECIAL[`${group}/${plural}`] ?? objectCountEvaluator(group, plural);

/**
 * The evaluators that account for some of `names`: the pod, service and PVC ones, and an object-count
 * evaluator per `count/…` or legacy name whose resource `served` says exists (others never get usage).
 */
export function evaluatorsFor(names: string[], served: (group: string, plural: string) => boolean): Evaluator[] {
  const out = new Map(Object.entries(SPECIAL));
  const add = (group: string, plural: string) => {
    const res = `${group}/${plural}`;
    if (!out.has(res) && served(group, plural)) out.set(res, objectCountEvaluator(group, plural));
  };
  for (const n of names) {
    if (n.startsWith('count/')) {
      const [plural, ...group] = n.slice('count/'.length).split('.');
      add(group.join('.'), plural);
    }
    const legacy = Object.keys(LEGACY_COUNT_NAMES).find((res) => LEGACY_COUNT_NAMES[res] === n);
    if (legacy) add('', legacy.slice(1));
  }
  return [...out.values()].filter((e) => e.matching(names).length > 0);
}

// ---------------------------------------------------------------------------------------------
// Usage over the store

/** spec.scopes (each an Exists requirement) and spec.scopeSelector; all must match. */
const scopeRequirements = (quota: KubeObject): ScopeRequirement[] => [
  ...list(quota.spec?.scopes).map((s) => ({ scopeName: s, operator: 'Exists' })),
  ...list(quota.spec?.scopeSelector?.matchExpressions),
];

export const matchesScopes = (ev: Evaluator, quota: KubeObject, obj: KubeObject) => scopeRequirements(quota).every((r) => ev.matchesScope(r, obj));

/** Usage of stored objects, which are never changed in place; a deleting pod's depends on the time, so it is not kept. */
const usageCache = new WeakMap<KubeObject, ResourceList>();

function storedUsage(ev: Evaluator, obj: KubeObject, now: number): ResourceList {
  if (obj.metadata.deletionTimestamp) return ev.usage(obj, now);
  let u = usageCache.get(obj);
  if (!u) usageCache.set(obj, (u = ev.usage(obj, now)));
  return u;
}

/** CalculateUsageStats: `names` summed over the quota namespace's objects that match its scopes, from zero. */
export function namespaceUsage(ctx: ApiContext, ev: Evaluator, quota: KubeObject, names: string[], now: number): ResourceList {
  const used: ResourceList = Object.fromEntries(names.map((n) => [n, ZERO]));
  for (const { obj } of ctx.store.list(ev.res, quota.metadata.namespace ?? '')) {
    if (!matchesScopes(ev, quota, obj)) continue;
    const u = storedUsage(ev, obj, now);
    for (const n of names) if (u[n]) used[n] = addQuantities(used[n], u[n]);
  }
  return used;
}

// ---------------------------------------------------------------------------------------------
// The admission check

export interface Charge {
  quota: KubeObject;
  /** the quota's usage of the resources this request changes, including the request */
  used: ResourceList;
}

export interface Decision {
  /** why the request is refused (wrapped by admission.NewForbidden) */
  error?: string;
  charges: Charge[];
}

/** quota.SubtractWithNonNegativeResult */
function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, q] of Object.entries(a)) {
    const d = b[k] ? subtractQuantities(q, b[k]) : q;
    out[k] = d.nanos < 0n ? ZERO : d;
  }
  return out;
}

const printList = (rl: ResourceList, names: string[]) => names.map((n) => `${n}=${quantityString(rl[n] ?? ZERO)}`).join(',');

/**
 * CheckRequest for one object against a namespace's quotas (sorted by name; only quotas whose status the
 * controller has filled take part). `usedOf` gives a quota's current usage of some resource names.
 */
export function checkQuotas(
  ev: Evaluator,
  a: Pick<Attributes, 'operation' | 'object' | 'oldObject'>,
  quotas: KubeObject[],
  usedOf: (quota: KubeObject, names: string[]) => ResourceList,
  now: number,
): Decision {
  const interested: { quota: KubeObject; hard: ResourceList; restricted: string[] }[] = [];
  for (const quota of [...quotas].sort((x, y) => (x.metadata.name! < y.metadata.name! ? -1 : 1))) {
    const hard = parseResourceList(quota.status?.hard);
    const restricted = ev.matching(Object.keys(hard));
    if (!restricted.length || !matchesScopes(ev, quota, a.object)) continue;
    const err = ev.constraints?.(restricted, a.object);
    if (err) return { error: `failed quota: ${quota.metadata.name}: ${err}`, charges: [] };
    interested.push({ quota, hard, restricted });
  }
  if (!interested.length) return { charges: [] };
  const usage = ev.usage(a.object, now);
  const negative = Object.keys(usage).filter((k) => usage[k].nanos < 0n).sort();
  if (negative.length) return { error: `quota usage is negative for resource(s): ${negative.join(',')}`, charges: [] };
  const old = a.operation === 'UPDATE' ? a.oldObject : undefined;
  const charges: Charge[] = [];
  for (const { quota, hard, restricted } of interested) {
    // An update is charged what it adds, to the quotas the old object was already counted in.
    const delta = old && matchesScopes(ev, quota, old) ? subtractNonNegative(usage, ev.usage(old, now)) : usage;
    const requested = Object.keys(delta).filter((k) => k in hard && delta[k].nanos !== 0n).sort();
    if (!requested.length) continue;
    const used = usedOf(quota, restricted);
    const next: ResourceList = { ...used };
    for (const k of requested) next[k] = addQuantities(used[k] ?? ZERO, delta[k]);
    const exceeded = requested.filter((k) => compareQuantities(next[k], hard[k]) > 0);
    if (exceeded.length) {
      const name = quota.metadata.name;
      return { error: `exceeded quota: ${name}, requested: ${printList(delta, exceeded)}, used: ${printList(used, exceeded)}, limited: ${printList(hard, exceeded)}`, charges: [] };
    }
    charges.push({ quota, used: next });
  }
  return { charges };
}

const QUOTAS = resKey(resourcequotas);
/** Events are never subject to quota. */
const IGNORED = new Set(['/events']);
/** The loopback identity the API server updates quota status with. */
const APISERVER = 'system:apiserver';

/** Writes `used` into a quota's status.used when it changes anything. */
function writeUsed(ctx: ApiContext, quota: KubeObject, used: Record<string, string>) {
  const current: Record<string, string> = quota.status?.used ?? {};
  const next = { ...current, ...used };
  if (Object.keys(next).every((k) => current[k] === next[k])) return;
  const body = structuredClone(quota);
  body.status = { ...body.status, used: next };
  updateObject({ ...ctx, user: APISERVER }, resourcequotas, quota.metadata.namespace!, quota.metadata.name!, body, 'status');
}

/** The ResourceQuota plugin (validating, last in the chain): refuse what exceeds a quota, else charge it. */
export function resourceQuotaValidate(ctx: ApiContext, a: Attributes) {
  if (a.subresource || !a.namespace || IGNORED.has(resKey(a.def))) return;
  const quotas = ctx.store.list(QUOTAS, a.namespace);
  if (!quotas.length) return; // the common case: no quota, no work
  const ev = evaluatorFor(a.def.group, a.def.plural);
  if (!ev.handles(a.operation)) return;
  const now = ctx.now();
  const usedOf = (quota: KubeObject, names: string[]) => namespaceUsage(ctx, ev, quota, names, now);
  const decision = checkQuotas(ev, a, quotas.map((e) => e.obj), usedOf, now);
  if (decision.error) throw admissionForbidden(a, decision.error);
  if (a.dryRun) return;
  for (const { quota, used } of decision.charges) {
    writeUsed(ctx, quota, Object.fromEntries(Object.entries(used).map(([k, q]) => [k, quantityString(q)])));
  }
}
