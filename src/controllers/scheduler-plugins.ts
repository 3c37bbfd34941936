// The default scheduler profile's filter and score plugins as pure functions (control-plane.md §7):
// NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, then the
// scores of TaintToleration, NodeAffinity, NodeResourcesFit (LeastAllocated), PodTopologySpread (system
// defaults) and NodeResourcesBalancedAllocation. The kubelet's admission reuses the resource fit.
import { quantityValue } from '../admission/quantity';
import type { KubeObject } from '../resources/types';

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export type Resources = Record<string, number>;

/** Quantity in the scheduler's units: cpu in millicores, everything else in whole units (rounded up). */
function amount(name: string, q: unknown): number {
  const v = quantityValue(q) ?? 0;
  return name === 'cpu' ? Math.ceil(v * 1000 - 1e-9) : Math.ceil(v - 1e-9);
}

function addQuantities(into: Resources, rl: Record<string, unknown> | undefined) {
  for (const [k, q] of Object.entries(rl ?? {})) into[k] = (into[k] ?? 0) + amount(k, q);
}

function addAmounts(into: Resources, r: Resources) {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + v;
}

function maxInto(into: Resources, r: Resources) {
  for (const [k, v] of Object.entries(r)) into[k] = Math.max(into[k] ?? 0, v);
}

const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;

/**
 * resourcehelper.PodRequests: containers summed, init containers max'ed (sidecars run alongside and
 * add up), plus overhead; pod-level requests win for cpu and memory. With `nonZero`, a container
 * without a cpu / memory request counts 100m / 200Mi (what scoring uses).
 */
export function podRequests(pod: KubeObject, nonZero = false): Resources {
  const spec = pod.spec ?? {};
  const requestsOf = (c: any): Resources => {
    const r: Resources = {};
    addQuantities(r, c?.resources?.requests);
    if (nonZero) {
      r.cpu ??= DEFAULT_MILLI_CPU;
      r.memory ??= DEFAULT_MEMORY;
    }
    return r;
  };
  const reqs: Resources = {};
  for (const c of list(spec.containers)) addAmounts(reqs, requestsOf(c));
  const sidecars: Resources = {};
  const inits: Resources = {};
  for (const c of list(spec.initContainers)) {
    const r = requestsOf(c);
    if (c?.restartPolicy === 'Always') {
      addAmounts(reqs, r);
      addAmounts(sidecars, r);
      maxInto(inits, sidecars);
    } else {
      const withSidecars = { ...sidecars };
      addAmounts(withSidecars, r);
      maxInto(inits, withSidecars);
    }
  }
  maxInto(reqs, inits);
  const podLevel = spec.resources?.requests;
  for (const k of ['cpu', 'memory']) if (podLevel?.[k] !== undefined) reqs[k] = amount(k, podLevel[k]);
  addQuantities(reqs, spec.overhead);
  return reqs;
}

// ---------------------------------------------------------------------------------------------
// Node view

export interface NodeInfo {
  node: KubeObject;
  name: string;
  allocatable: Resources;
  /** actual requests of the pods on the node */
  requested: Resources;
  /** requests with the 100m / 200Mi defaults, for scoring */
  nonZero: Resources;
  pods: KubeObject[];
  /** host ports in use: `<protocol>/<hostIP>/<port>` */
  ports: string[];
  /** live (not deleting) pods per `<namespace>/<controller uid>`, for spreading */
  owned: Map<string, number>;
}

const controllerUID = (p: KubeObject) => (p.metadata.ownerReferences ?? []).find((r: any) => r?.controller)?.uid as string | undefined;
const ownerKey = (p: KubeObject) => {
  const uid = controllerUID(p);
  return uid && `${p.metadata.namespace}/${uid}`;
};

const terminal = (p: KubeObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

function hostPorts(pod: KubeObject): string[] {
  const out: string[] = [];
  for (const c of [...list(pod.spec?.initContainers), ...list(pod.spec?.containers)]) {
    for (const p of list(c?.ports)) if (p?.hostPort > 0) out.push(`${p.protocol || 'TCP'}/${p.hostIP || '0.0.0.0'}/${p.hostPort}`);
  }
  return out;
}

export function nodeInfo(node: KubeObject): NodeInfo {
  const allocatable: Resources = {};
  addQuantities(allocatable, node.status?.allocatable ?? node.status?.capacity);
  return { node, name: node.metadata.name!, allocatable, requested: {}, nonZero: {}, pods: [], ports: [], owned: new Map() };
}

/** Accounts a pod to a node (what the scheduler cache does on bind / assume). */
export function addPod(info: NodeInfo, pod: KubeObject) {
  info.pods.push(pod);
  addAmounts(info.requested, podRequests(pod));
  addAmounts(info.nonZero, podRequests(pod, true));
  info.ports.push(...hostPorts(pod));
  const owner = ownerKey(pod);
  if (owner && !pod.metadata.deletionTimestamp) info.owned.set(owner, (info.owned.get(owner) ?? 0) + 1);
}

/** One NodeInfo per node with its bound, non-terminal pods. */
export function nodeInfos(nodes: KubeObject[], pods: KubeObject[]): Map<string, NodeInfo> {
  const infos = new Map(nodes.map((n) => [n.metadata.name!, nodeInfo(n)]));
  for (const p of pods) {
    const info = infos.get(p.spec?.nodeName);
    if (info && !terminal(p)) addPod(info, p);
  }
  return infos;
}

// ---------------------------------------------------------------------------------------------
// Taints, tolerations, node affinity

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

/** v1.Toleration.ToleratesTaint. */
export function tolerates(t: any, taint: Taint): boolean {
  if (t?.effect && t.effect !== taint.effect) return false;
  if (t?.key && t.key !== taint.key) return false;
  if (!t?.key && t?.operator !== 'Exists') return false;
  if (t?.operator === 'Exists') return true;
  return (t?.value ?? '') === (taint.value ?? '');
}

export const toleratedBy = (tolerations: unknown, taint: Taint) => list(tolerations).some((t) => tolerates(t, taint));

function requirementMatches(r: any, value: string | undefined): boolean {
  const values: string[] = list(r?.values).map(String);
  switch (r?.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const v = Number.parseInt(value ?? '', 10);
      const bound = Number.parseInt(values[0] ?? '', 10);
      if (!/^-?\d+$/.test(value ?? '') || Number.isNaN(bound)) return false;
      return r.operator === 'Gt' ? v > bound : v < bound;
    }
    default:
      return false;
  }
}

/** A NodeSelectorTerm: all expressions (labels) and fields (metadata.name) hold; an empty term matches nothing. */
export function termMatches(term: any, node: KubeObject): boolean {
  const exprs = list(term?.matchExpressions);
  const fields = list(term?.matchFields);
  if (!exprs.length && !fields.length) return false;
  const labels = node.metadata.labels ?? {};
  return (
    exprs.every((r) => requirementMatches(r, Object.hasOwn(labels, r?.key) ? labels[r.key] : undefined)) &&
    fields.every((r) => r?.key === 'metadata.name' && requirementMatches(r, node.metadata.name))
  );
}

/** nodeSelector and required node affinity (terms are ORed). */
export function matchesNodeSelectorAndAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return list(required.nodeSelectorTerms).some((t) => termMatches(t, node));
}

/**
 * NodeAffinity PreFilter: when every required term names nodes with `matchFields metadata.name In`,
 * only those nodes are candidates (what DaemonSet pods do). Undefined: all nodes are.
 */
export function affinityNodeNames(pod: KubeObject): Set<string> | undefined {
  const terms = list(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms);
  if (!terms.length) return undefined;
  let names: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of list(t?.matchFields)) {
      if (r?.key !== 'metadata.name' || r?.operator !== 'In') continue;
      const s = new Set<string>(list(r.values).map(String));
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    if (!termNames) return undefined;
    names = new Set([...(names ?? []), ...termNames]);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Filters

export interface FilterStatus {
  plugin: string;
  reasons: string[];
  /** UnschedulableAndUnresolvable: preemption cannot help on this node */
  unresolvable: boolean;
}

export const NOT_IN_NODE_NAMES = "node(s) didn't satisfy plugin(s) [NodeAffinity]";

const fail = (plugin: string, unresolvable: boolean, ...reasons: string[]): FilterStatus => ({ plugin, reasons, unresolvable });

/** NodeResourcesFit fitsRequest: the reasons a node's free allocatable cannot hold the pod. */
export function insufficientResources(req: Resources, info: NodeInfo): { reason: string; resource: string; unresolvable: boolean }[] {
  const out: { reason: string; resource: string; unresolvable: boolean }[] = [];
  const allowedPods = info.allocatable.pods ?? 0;
  if (info.pods.length + 1 > allowedPods) out.push({ reason: 'Too many pods', resource: 'pods', unresolvable: false });
  const names = ['cpu', 'memory', 'ephemeral-storage', ...Object.keys(req).filter((k) => !['cpu', 'memory', 'ephemeral-storage', 'pods'].includes(k)).sort()];
  for (const r of names) {
    const want = req[r] ?? 0;
    if (want <= 0) continue;
    const alloc = info.allocatable[r] ?? 0;
    if (want > alloc - (info.requested[r] ?? 0)) out.push({ reason: `Insufficient ${r}`, resource: r, unresolvable: want > alloc });
  }
  return out;
}

/** The default profile's filters in order; the first failing plugin decides the node's status. */
export function filterNode(pod: KubeObject, req: Resources, info: NodeInfo): FilterStatus | undefined {
  const node = info.node;
  const tolerations = pod.spec?.tolerations;
  if (node.spec?.unschedulable && !toleratedBy(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return fail('NodeUnschedulable', true, 'node(s) were unschedulable');
  }
  if (pod.spec?.nodeName && pod.spec.nodeName !== info.name) {
    return fail('NodeName', true, "node(s) didn't match the requested node name");
  }
  const untolerated = list(node.spec?.taints).some(
    (t) => (t?.effect === 'NoSchedule' || t?.effect === 'NoExecute') && !toleratedBy(tolerations, t),
  );
  if (untolerated) return fail('TaintToleration', true, 'node(s) had untolerated taint(s)');
  if (!matchesNodeSelectorAndAffinity(pod, node)) {
    return fail('NodeAffinity', true, "node(s) didn't match Pod's node affinity/selector");
  }
  const wanted = hostPorts(pod);
  const conflict = wanted.some((w) => {
    const [proto, ip, port] = w.split('/');
    return info.ports.some((u) => {
      const [p2, ip2, port2] = u.split('/');
      return p2 === proto && port2 === port && (ip === ip2 || ip === '0.0.0.0' || ip2 === '0.0.0.0');
    });
  });
  if (conflict) return fail('NodePorts', false, "node(s) didn't have free ports for the requested pod ports");
  const short = insufficientResources(req, info);
  if (short.length) return fail('NodeResourcesFit', short.some((s) => s.unresolvable), ...short.map((s) => s.reason));
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Scores (each normalized to 0..100, then weighted)

export const WEIGHTS: Record<string, number> = {
  TaintToleration: 3,
  NodeAffinity: 2,
  NodeResourcesFit: 1,
  PodTopologySpread: 2,
  NodeResourcesBalancedAllocation: 1,
};

export type NodeScores = Record<string, number>;

function leastAllocated(req: Resources, info: NodeInfo): number {
  let sum = 0;
  let weights = 0;
  for (const r of ['cpu', 'memory']) {
    const alloc = info.allocatable[r] ?? 0;
    if (!alloc) continue;
    const used = (info.nonZero[r] ?? 0) + (req[r] ?? 0);
    sum += used > alloc ? 0 : Math.floor(((alloc - used) * 100) / alloc);
    weights++;
  }
  return weights ? Math.floor(sum / weights) : 0;
}

function balancedAllocation(req: Resources, info: NodeInfo): number {
  const f = ['cpu', 'memory'].map((r) => {
    const alloc = info.allocatable[r] ?? 0;
    return alloc ? Math.min(((info.requested[r] ?? 0) + (req[r] ?? 0)) / alloc, 1) : 0;
  });
  return Math.trunc((1 - Math.abs(f[0] - f[1]) / 2) * 100);
}


/** The system default spreading constraints (hostname maxSkew 3, zone maxSkew 5), over pods of the same owner. */
const SPREAD = [
  { key: 'kubernetes.io/hostname', maxSkew: 3 },
  { key: 'topology.kubernetes.io/zone', maxSkew: 5 },
];

function spreadRaw(pod: KubeObject, feasible: NodeInfo[], all: Iterable<NodeInfo>): Map<string, number> | undefined {
  const owner = ownerKey(pod);
  if (!owner) return undefined;
  const counts = SPREAD.map(() => new Map<string, number>());
  for (const info of all) {
    const n = info.owned.get(owner) ?? 0;
    SPREAD.forEach((c, i) => {
      const v = info.node.metadata.labels?.[c.key];
      if (v !== undefined) counts[i].set(v, (counts[i].get(v) ?? 0) + n);
    });
  }
  const sizes = SPREAD.map((c) => new Set(feasible.map((f) => f.node.metadata.labels?.[c.key]).filter((v) => v !== undefined)).size);
  const raw = new Map<string, number>();
  for (const info of feasible) {
    let s = 0;
    SPREAD.forEach((c, i) => {
      const v = info.node.metadata.labels?.[c.key];
      if (v !== undefined) s += (counts[i].get(v) ?? 0) * Math.log(sizes[i] + 2) + (c.maxSkew - 1);
    });
    raw.set(info.name, Math.round(s));
  }
  return raw;
}

/** Per node and plugin: the normalized score (0..100) before weighting. */
export function scoreNodes(pod: KubeObject, feasible: NodeInfo[], all: Iterable<NodeInfo>): Map<string, NodeScores> {
  const req = podRequests(pod, true);
  const actual = podRequests(pod);
  const out = new Map<string, NodeScores>(feasible.map((f) => [f.name, {}]));
  const set = (plugin: string, values: Map<string, number>) => values.forEach((v, n) => (out.get(n)![plugin] = v));

  // TaintToleration: fewer intolerable PreferNoSchedule taints is better.
  const tolerations = list(pod.spec?.tolerations).filter((t) => !t?.effect || t.effect === 'PreferNoSchedule');
  const taints = new Map(feasible.map((f) => [f.name, list(f.node.spec?.taints).filter((t) => t?.effect === 'PreferNoSchedule' && !tolerations.some((x) => tolerates(x, t))).length]));
  const maxTaints = Math.max(0, ...taints.values());
  set('TaintToleration', new Map([...taints].map(([n, v]) => [n, maxTaints ? 100 - Math.floor((100 * v) / maxTaints) : 100])));

  // NodeAffinity: sum of matching preferred terms' weights, scaled to the best node.
  const preferred = list(pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
  if (preferred.length) {
    const raw = new Map(feasible.map((f) => [f.name, preferred.reduce((s, p) => s + (termMatches(p?.preference, f.node) ? (p?.weight ?? 0) : 0), 0)]));
    const max = Math.max(0, ...raw.values());
    set('NodeAffinity', new Map([...raw].map(([n, v]) => [n, max ? Math.floor((100 * v) / max) : 0])));
  }

  set('NodeResourcesFit', new Map(feasible.map((f) => [f.name, leastAllocated(req, f)])));

  const spread = spreadRaw(pod, feasible, all);
  if (spread) {
    const values = [...spread.values()];
    const max = Math.max(0, ...values);
    const min = Math.min(...values);
    set('PodTopologySpread', new Map([...spread].map(([n, v]) => [n, max ? Math.floor((100 * (max + min - v)) / max) : 100])));
  }

  if ((actual.cpu ?? 0) > 0 || (actual.memory ?? 0) > 0) {
    set('NodeResourcesBalancedAllocation', new Map(feasible.map((f) => [f.name, balancedAllocation(actual, f)])));
  }
  return out;
}

export const totalScore = (s: NodeScores) => Object.entries(s).reduce((sum, [p, v]) => sum + v * (WEIGHTS[p] ?? 1), 0);

// ---------------------------------------------------------------------------------------------
// The FailedScheduling message (FitError.Error) and DefaultPreemption's post-filter message

const histogram = (reasons: string[]) => {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort();
};

export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';

/** `0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.` */
export function fitErrorMessage(pod: KubeObject, numNodes: number, statuses: FilterStatus[]): string {
  if (numNodes === 0) return 'no nodes available to schedule pods';
  const filters = histogram(statuses.flatMap((s) => s.reasons));
  let msg = `0/${numNodes} nodes are available:`;
  if (filters.length) msg += ` ${filters.join(', ')}.`;
  if (pod.spec?.preemptionPolicy === 'Never') return `${msg} preemption: not eligible due to preemptionPolicy=Never.`;
  // Preemption is not simulated: nodes that failed only on resources have no lower-priority victims to offer.
  const inner = histogram(statuses.map((s) => (s.unresolvable ? PREEMPTION_NOT_HELPFUL : NO_VICTIMS)));
  return `${msg} preemption: 0/${numNodes} nodes are available: ${inner.join(', ')}.`;
}

// ---------------------------------------------------------------------------------------------
// Kubelet admission (lifecycle/predicate.go): the same checks for pods bound straight to a node

/** Undefined when the node admits the pod, else the Failed status reason and message the kubelet writes. */
export function admissionFailure(pod: KubeObject, info: NodeInfo): { reason: string; message: string } | undefined {
  if (!matchesNodeSelectorAndAffinity(pod, info.node)) {
    return { reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" };
  }
  const short = insufficientResources(podRequests(pod), info);
  if (!short.length) return undefined;
  const s = short[0];
  const req = s.resource === 'pods' ? 1 : (podRequests(pod)[s.resource] ?? 0);
  const used = s.resource === 'pods' ? info.pods.length : (info.requested[s.resource] ?? 0);
  const capacity = info.allocatable[s.resource] ?? 0;
  return {
    reason: `OutOf${s.resource}`,
    message: `Node didn't have enough resource: ${s.resource}, requested: ${req}, used: ${used}, capacity: ${capacity}`,
  };
}
