// Pods (core/v1): pkg/registry/core/pod/strategy.go, pkg/apis/core/validation (ValidatePodCreate/Update),
// and printPod of pkg/printers/internalversion/printers.go.
import { forbidden, invalid, required, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { ageColumn, humanDuration, nameColumn } from '../apiserver/printers';
import { defaultPodSpec, quantityValue, validatePodSpec } from './podspec';
import { podActions } from './pod-actions';
import type { Column, KubeObject, ResourceDef } from './types';

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

// ---------------------------------------------------------------------------------------------
// Defaults and strategy

/** Requests default to limits, on pods only (not on templates). */
function defaultRequestsFromLimits(c: any) {
  const limits = c?.resources?.limits;
  if (!limits || typeof limits !== 'object') return;
  c.resources.requests ??= {};
  for (const [k, v] of Object.entries(limits)) c.resources.requests[k] ??= v;
}

function defaultPod(pod: KubeObject) {
  pod.spec ??= {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) defaultRequestsFromLimits(c);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
      for (const p of list(c?.ports)) if (p && !p.hostPort) p.hostPort = p.containerPort;
    }
  }
}

const QOS_RESOURCES = ['cpu', 'memory'];

/** qos.GetPodQOS: BestEffort without cpu/memory requests or limits, Guaranteed when they are all equal. */
export function podQOSClass(spec: any): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const podLevel = spec?.resources && (spec.resources.requests || spec.resources.limits);
  const sources = podLevel ? [spec.resources] : [...list(spec?.containers), ...list(spec?.initContainers)].map((c) => c?.resources ?? {});
  const requests: Record<string, number> = {};
  const limits: Record<string, number> = {};
  let guaranteed = true;
  for (const r of sources) {
    let limitsFound = 0;
    for (const name of QOS_RESOURCES) {
      const req = quantityValue(r.requests?.[name]) ?? 0;
      if (req > 0) requests[name] = (requests[name] ?? 0) + req;
      const lim = quantityValue(r.limits?.[name]) ?? 0;
      if (lim > 0) {
        limits[name] = (limits[name] ?? 0) + lim;
        limitsFound++;
      }
    }
    if (limitsFound < QOS_RESOURCES.length) guaranteed = false;
  }
  const reqNames = Object.keys(requests);
  if (!reqNames.length && !Object.keys(limits).length) return 'BestEffort';
  if (reqNames.some((n) => requests[n] !== limits[n])) guaranteed = false;
  return guaranteed && reqNames.length === Object.keys(limits).length ? 'Guaranteed' : 'Burstable';
}

function prepareForCreate(pod: KubeObject, ctx: { now: string }) {
  pod.status = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
  if (list(pod.spec?.schedulingGates).length) {
    pod.status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        lastTransitionTime: ctx.now,
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ];
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

/** Pod-only container rule: no whitespace around the image (templates keep it for compatibility). */
function imageWhitespace(containers: any[], field: string): FieldError[] {
  return containers.flatMap((c, i) =>
    typeof c?.image === 'string' && c.image.trim() !== c.image
      ? [invalid(`${field}[${i}].image`, c.image, 'must not have leading or trailing whitespace')]
      : [],
  );
}

/** validatePodMetadataAndSpec without the metadata (the pipeline checks that). */
function validatePodSpecForPod(pod: KubeObject): FieldError[] {
  return [
    ...validatePodSpec(pod.spec, 'spec'),
    ...imageWhitespace(list(pod.spec?.containers), 'spec.containers'),
    ...imageWhitespace(list(pod.spec?.initContainers), 'spec.initContainers'),
  ];
}

function validate(pod: KubeObject): FieldError[] {
  const errs = validatePodSpecForPod(pod);
  if (list(pod.spec?.ephemeralContainers).length) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (pod.spec?.nodeName && list(pod.spec?.schedulingGates).length) {
    errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

/** ValidateContainerUpdates: same number of containers, each with a non-blank image. */
function containerUpdates(now: any[], before: any[], field: string): { errs: FieldError[]; stop: boolean } {
  if (now.length !== before.length) return { errs: [forbidden(field, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  now.forEach((c, i) => {
    const image = typeof c?.image === 'string' ? c.image : '';
    if (!image) errs.push(required(`${field}[${i}].image`));
    if (image.trim() !== image) errs.push(invalid(`${field}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

const MAX_INT32 = 2147483647;

function activeDeadlineUpdate(now: unknown, before: unknown): FieldError[] {
  const field = 'spec.activeDeadlineSeconds';
  if (typeof now === 'number') {
    if (now < 0 || now > MAX_INT32) return [invalid(field, now, `must be between 0 and ${MAX_INT32}, inclusive`)];
    if (typeof before === 'number' && before < now) return [invalid(field, now, 'must be less than or equal to previous value')];
    return [];
  }
  return typeof before === 'number' ? [invalid(field, null, 'must not update from a positive integer to nil value')] : [];
}

/** Existing tolerations may only change their tolerationSeconds. */
function tolerationsUpdate(now: any[], before: any[]): FieldError[] {
  const withoutSeconds = ({ tolerationSeconds, ...rest }: any) => rest;
  const kept = before.every((o) => now.some((n) => deepEqual(withoutSeconds(o ?? {}), withoutSeconds(n ?? {}))));
  return kept ? [] : [forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')];
}

function schedulingGatesUpdate(now: any[], before: any[]): FieldError[] {
  const old = new Set(before.map((g) => g?.name));
  return now.flatMap((g, i) =>
    old.has(g?.name) ? [] : [forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g?.name}'`)],
  );
}

const setOrDelete = (o: Record<string, any>, key: string, value: unknown) => {
  if (value === undefined) delete o[key];
  else o[key] = value;
};

/** The new spec with every field a pod update may change put back to its old value. */
function mungedSpec(now: any, before: any): any {
  const m = structuredClone(now);
  const keepImages = (key: string) => {
    if (Array.isArray(m[key])) m[key] = m[key].map((c: any, i: number) => ({ ...c, image: before[key][i]?.image }));
  };
  keepImages('containers');
  keepImages('initContainers');
  setOrDelete(m, 'activeDeadlineSeconds', before.activeDeadlineSeconds);
  setOrDelete(m, 'schedulingGates', before.schedulingGates);
  setOrDelete(m, 'tolerations', before.tolerations);
  if (before.terminationGracePeriodSeconds < 0 && m.terminationGracePeriodSeconds === 1) {
    m.terminationGracePeriodSeconds = before.terminationGracePeriodSeconds;
  }
  return m;
}

/** Semantic equality treats null and empty lists like absent fields. */
const normalize = (v: unknown) =>
  JSON.parse(JSON.stringify(v ?? {}, (_k, x) => (x === null || (Array.isArray(x) && !x.length) ? undefined : x)));

const UPDATABLE_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
].join(',');

const goFieldName = (key: string) => key[0].toUpperCase() + key.slice(1);

function goValue(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return '{...}';
  return String(v);
}

/** A short go-cmp style diff of two PodSpecs (clients cannot depend on go-cmp's exact bytes). */
export function podSpecDiff(before: any, after: any): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = keys.filter((k) => !deepEqual(before[k], after[k]));
  const lines = ['  core.PodSpec{'];
  if (keys.length > changed.length) lines.push(`  \t... // ${keys.length - changed.length} identical fields`);
  for (const k of changed) {
    lines.push(`- \t${goFieldName(k)}: ${goValue(before[k])},`);
    lines.push(`+ \t${goFieldName(k)}: ${goValue(after[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

/** ValidatePodUpdate (≥1.33) without the metadata part. */
function validateUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const now = pod.spec ?? {};
  const before = old.spec ?? {};
  if (now === before) return []; // a status write: the spec is the stored one
  const errs = validatePodSpecForPod(pod);
  for (const key of ['containers', 'initContainers']) {
    const r = containerUpdates(list(now[key]), list(before[key]), `spec.${key}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const deadline = activeDeadlineUpdate(now.activeDeadlineSeconds, before.activeDeadlineSeconds);
  errs.push(...deadline);
  if (deadline.length && now.activeDeadlineSeconds != null) return errs;
  errs.push(...tolerationsUpdate(list(now.tolerations), list(before.tolerations)));
  errs.push(...schedulingGatesUpdate(list(now.schedulingGates), list(before.schedulingGates)));
  const oldSpec = normalize(before);
  const munged = normalize(mungedSpec(now, before));
  if (!deepEqual(oldSpec, munged)) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_FIELDS}\n${podSpecDiff(oldSpec, munged)}`));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Table: printPod

interface PodCells {
  ready: string;
  status: string;
  restarts: string;
}

const conditionTrue = (pod: KubeObject, type: string) =>
  list(pod.status?.conditions).some((c) => c?.type === type && c?.status === 'True');

const finishedAt = (cs: any) => {
  const t = Date.parse(cs?.lastState?.terminated?.finishedAt ?? '');
  return Number.isNaN(t) ? 0 : t;
};

/** The reason a container state gives, or '' (waiting reason, terminated reason, signal or exit code). */
function containerReason(state: any): string {
  if (state?.waiting?.reason) return state.waiting.reason;
  const t = state?.terminated;
  if (!t) return '';
  if (t.reason) return t.reason;
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`;
}

/** The Ready / Status / Restarts cells, step by step as printPod computes them. */
export function podCells(pod: KubeObject, now: number): PodCells {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const phase: string = status.phase ?? '';
  let reason: string = status.reason || phase;
  if (list(status.conditions).some((c) => c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const inits = list(spec.initContainers);
  const sidecars = new Set(inits.filter((c) => c?.restartPolicy === 'Always').map((c) => c.name));
  const total = list(spec.containers).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let sidecarLastRestart = 0;
  let initializing = false;

  for (const [i, cs] of list(status.initContainerStatuses).entries()) {
    restarts += cs?.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(cs));
    const sidecar = sidecars.has(cs?.name);
    if (sidecar) {
      sidecarRestarts += cs?.restartCount ?? 0;
      sidecarLastRestart = Math.max(sidecarLastRestart, finishedAt(cs));
    }
    const terminated = cs?.state?.terminated;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs?.started === true) {
      if (cs.ready) ready++;
      continue;
    }
    initializing = true;
    const waiting = cs?.state?.waiting?.reason;
    if (terminated) reason = `Init:${containerReason({ terminated })}`;
    else if (waiting && waiting !== 'PodInitializing') reason = `Init:${waiting}`;
    else reason = `Init:${i}/${inits.length}`;
    break;
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLastRestart;
    let hasRunning = false;
    for (const cs of [...list(status.containerStatuses)].reverse()) {
      restarts += cs?.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(cs));
      const r = containerReason(cs?.state);
      if (r) reason = r;
      else if (cs?.ready && cs?.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = !!pod.metadata.deletionTimestamp;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}

/** "{true}/{len}" over spec.readinessGates (the first condition of each type counts). */
function readinessGatesCell(pod: KubeObject): string {
  const gates = list(pod.spec?.readinessGates);
  if (!gates.length) return '<none>';
  const conditions = list(pod.status?.conditions);
  const ok = gates.filter((g) => conditions.find((c) => c?.type === g?.conditionType)?.status === 'True').length;
  return `${ok}/${gates.length}`;
}

const columns: Column[] = [
  nameColumn,
  {
    name: 'Ready',
    type: 'string',
    description: 'The aggregate readiness state of this pod for accepting traffic.',
    cell: (o, now) => podCells(o, now).ready,
  },
  {
    name: 'Status',
    type: 'string',
    description: 'The aggregate status of the containers in this pod.',
    cell: (o, now) => podCells(o, now).status,
  },
  {
    name: 'Restarts',
    type: 'string',
    description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    cell: (o, now) => podCells(o, now).restarts,
  },
  ageColumn,
  {
    name: 'IP',
    type: 'string',
    priority: 1,
    description: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    cell: (o) => o.status?.podIPs?.[0]?.ip || '<none>',
  },
  {
    name: 'Node',
    type: 'string',
    priority: 1,
    description:
      'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
    cell: (o) => o.spec?.nodeName || '<none>',
  },
  {
    name: 'Nominated Node',
    type: 'string',
    priority: 1,
    description:
      'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    cell: (o) => o.status?.nominatedNodeName || '<none>',
  },
  {
    name: 'Readiness Gates',
    type: 'string',
    priority: 1,
    description:
      'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    cell: readinessGatesCell,
  },
];

// ---------------------------------------------------------------------------------------------

export const pods: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  nameRule: 'subdomain',
  generation: true,
  subresources: { status: true, actions: podActions(() => pods), proxy: 'PodProxyOptions' },
  defaults: defaultPod,
  prepareForCreate,
  prepareForUpdate: (pod, old) => {
    if (old.status === undefined) delete pod.status;
    else pod.status = structuredClone(old.status);
  },
  validate,
  validateUpdate,
  columns,
  rowConditions: (pod) => {
    const phase = pod.status?.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed') return undefined;
    const message = phase === 'Succeeded' ? 'The pod has completed successfully.' : 'The pod failed.';
    return [{ type: 'Completed', status: 'True', reason: phase, message }];
  },
  // pod.ToSelectableFields
  fieldSelectors: {
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => o.status?.podIPs?.[0]?.ip ?? '',
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },
};
