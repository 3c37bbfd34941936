// kube-scheduler with the default profile (control-plane.md §7, §9.3): pending pods in priority order
// run the filters and scores of scheduler-plugins.ts, are bound through the pods/binding subresource
// (the same write a user's Binding makes), and get events.k8s.io events `Scheduled` / `FailedScheduling`.
// Unschedulable pods are retried when nodes or bound pods change (back-off 1s doubling to 10s), and at
// the latest every 5 minutes. Why each node was filtered and how it scored is kept per pod in memory
// and served by the sandbox API (/v1/clusters/<id>/explain/pods/<ns>/<name>).
import { resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { createObject, updateObject } from '../apiserver/writes';
import { setPodCondition } from '../resources/pod-actions';
import { findResource } from '../resources/registry';
import { apiVersionOf, type KubeObject } from '../resources/types';
import { cacheEvent, cachedEvent, eventName, objectReference } from './events';
import {
  NOT_IN_NODE_NAMES,
  WEIGHTS,
  addPod,
  affinityNodeNames,
  filterNode,
  fitErrorMessage,
  nodeInfos,
  podRequests,
  scoreNodes,
  totalScore,
  type FilterStatus,
  type NodeInfo,
  type NodeScores,
} from './scheduler-plugins';
import { microTime } from './simulation';
import type { Controller } from './types';

export const SCHEDULER_NAME = 'default-scheduler';
const REPORTING_INSTANCE = `${SCHEDULER_NAME}-control-plane`;
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const EVENTS = findResource('', 'v1', 'events')!;

const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 10_000;
/** podMaxInUnschedulablePodsDuration: an unschedulable pod is retried at least this often */
const UNSCHEDULABLE_FLUSH_MS = 5 * 60_000;
/** events.k8s.io series are finished after this much quiet (finishTime) */
const SERIES_MS = 6 * 60_000;
const MAX_BINDS_PER_RUN = 200;

export interface NodeExplanation {
  node: string;
  feasible: boolean;
  /** the filter plugin that rejected the node, and why */
  plugin?: string;
  reasons?: string[];
  /** per score plugin: normalized score (0-100) and weight */
  scores?: Record<string, { score: number; weight: number }>;
  total?: number;
}

export interface Explanation {
  pod: string;
  uid: string;
  attemptedAt: string;
  attempts: number;
  result: { node: string } | { unschedulable: string };
  nodes: NodeExplanation[];
  /** rebuilt on request (the scheduler's memory did not have it), from the cluster as it is now */
  recomputed?: boolean;
}

interface Queued {
  attempts: number;
  lastAttempt: number;
  /** the cluster generation the last attempt saw */
  generation: number;
  /** the pod's resourceVersion after the attempt */
  rv: string;
}

/** The scheduler's memory: its queue, what it explained, and what it last saw of the cluster. */
interface Memory {
  queue: Map<string, Queued>;
  explained: Map<string, Explanation>;
  generation: number;
  nodes: Map<string, string>;
  bound: Set<string>;
}

const memories = new WeakMap<object, Memory>();
function memoryOf(ctx: ApiContext): Memory {
  let m = memories.get(ctx.store);
  if (!m) memories.set(ctx.store, (m = { queue: new Map(), explained: new Map(), generation: 0, nodes: new Map(), bound: new Set() }));
  return m;
}

const terminal = (p: KubeObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** What of a node matters to scheduling (a heartbeat does not). */
const nodeFingerprint = (n: KubeObject) =>
  JSON.stringify([n.metadata.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable]);

/**
 * Queueing hints, coarsely: the generation moves when a node appears, goes or changes in a way that
 * matters, or when a bound pod goes away (freeing room). Pods that failed on an older generation retry.
 */
function observe(mem: Memory, nodes: KubeObject[], pods: KubeObject[]) {
  let changed = nodes.length !== mem.nodes.size;
  const seen = new Map<string, string>();
  for (const n of nodes) {
    const f = nodeFingerprint(n);
    seen.set(n.metadata.name!, f);
    if (mem.nodes.get(n.metadata.name!) !== f) changed = true;
  }
  const bound = new Set(pods.filter((p) => p.spec?.nodeName && !terminal(p)).map((p) => p.metadata.uid!));
  for (const uid of mem.bound) if (!bound.has(uid)) changed = true;
  mem.nodes = seen;
  mem.bound = bound;
  if (changed) mem.generation++;
}

const backoff = (attempts: number) => Math.min(INITIAL_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);

function dueAt(q: Queued | undefined, pod: KubeObject, generation: number, now: number): number {
  if (!q) return now;
  const moved = q.generation !== generation || q.rv !== pod.metadata.resourceVersion;
  return moved ? q.lastAttempt + backoff(q.attempts) : q.lastAttempt + UNSCHEDULABLE_FLUSH_MS;
}

/** PrioritySort: higher priority first, then the pod that has waited longest. */
const queueOrder = (a: KubeObject, b: KubeObject) =>
  (b.spec?.priority ?? 0) - (a.spec?.priority ?? 0) ||
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
  (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

const wantsScheduling = (p: KubeObject) =>
  !p.spec?.nodeName &&
  (p.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME &&
  !p.spec?.schedulingGates?.length &&
  !p.metadata.deletionTimestamp &&
  !terminal(p);

// ---------------------------------------------------------------------------------------------
// One scheduling cycle for one pod (pure apart from the random tie-break)

interface Decision {
  node?: string;
  message?: string;
  nodes: NodeExplanation[];
}

export function decide(pod: KubeObject, infos: Map<string, NodeInfo>): Decision {
  const req = podRequests(pod);
  const allowed = affinityNodeNames(pod);
  const statuses = new Map<string, FilterStatus>();
  const feasible: NodeInfo[] = [];
  for (const info of infos.values()) {
    const status = allowed && !allowed.has(info.name) ? { plugin: 'NodeAffinity', reasons: [NOT_IN_NODE_NAMES], unresolvable: true } : filterNode(pod, req, info);
    if (status) statuses.set(info.name, status);
    else feasible.push(info);
  }
  const explained = (scores?: Map<string, NodeScores>): NodeExplanation[] =>
    [...infos.keys()].map((name) => {
      const s = statuses.get(name);
      if (s) return { node: name, feasible: false, plugin: s.plugin, reasons: s.reasons };
      const sc = scores?.get(name);
      if (!sc) return { node: name, feasible: true };
      const detail = Object.fromEntries(Object.entries(sc).map(([p, v]) => [p, { score: v, weight: WEIGHTS[p] ?? 1 }]));
      return { node: name, feasible: true, scores: detail, total: totalScore(sc) };
    });
  if (!feasible.length) return { message: fitErrorMessage(pod, infos.size, [...statuses.values()]), nodes: explained() };
  // A single feasible node is chosen without scoring, as the framework does.
  if (feasible.length === 1) return { node: feasible[0].name, nodes: explained() };
  const scores = scoreNodes(pod, feasible, infos.values());
  const totals = feasible.map((f) => ({ name: f.name, total: totalScore(scores.get(f.name)!) }));
  const best = Math.max(...totals.map((t) => t.total));
  const top = totals.filter((t) => t.total === best);
  // Ties fall to chance, as the parallel filtering upstream makes them.
  const pick = top[crypto.getRandomValues(new Uint32Array(1))[0] % top.length];
  return { node: pick.name, nodes: explained(scores) };
}

// ---------------------------------------------------------------------------------------------
// Scheduler events with series (§9.3)

const MAX_NOTE = 1024;
const truncateNote = (s: string) => (s.length > MAX_NOTE ? `${s.slice(0, MAX_NOTE - 4)} ...` : s);

/**
 * Records a scheduler event; a repeat within the series window bumps the series (the note stays the first one).
 * The scheduler writes events.k8s.io events; a real API server keeps both event APIs in one store, so they are
 * stored here as the core/v1 Event the core API shows for them (eventTime, series, reportingComponent, no
 * count or timestamps), which is what `kubectl describe` and `kubectl get events` read.
 */
export function schedulerEvent(ctx: ApiContext, pod: KubeObject, type: 'Normal' | 'Warning', reason: string, action: string, note: string) {
  const ns = pod.metadata.namespace!;
  const now = ctx.now();
  const key = ['series', pod.metadata.uid, type, reason, action].join('\0');
  const cached = cachedEvent(ctx, ns, key)?.obj;
  const same = cached && now - Date.parse(cached.series?.lastObservedTime ?? cached.eventTime ?? '') < SERIES_MS ? cached : undefined;
  try {
    if (same) {
      const e = structuredClone(same);
      e.series = { count: (e.series?.count ?? 1) + 1, lastObservedTime: microTime(now) };
      updateObject(ctx, EVENTS, ns, e.metadata.name!, e, '');
      return;
    }
    const name = eventName(pod, now);
    createObject(ctx, EVENTS, ns, {
      apiVersion: apiVersionOf(EVENTS),
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: objectReference(pod),
      reason,
      message: truncateNote(note),
      source: {},
      type,
      eventTime: microTime(now),
      action,
      reportingComponent: SCHEDULER_NAME,
      reportingInstance: REPORTING_INSTANCE,
    });
    cacheEvent(ctx, key, name);
  } catch (e) {
    // Best effort, as the event broadcaster is.
    if (!(e instanceof Error)) throw e;
  }
}

// ---------------------------------------------------------------------------------------------

function bind(ctx: ApiContext, pod: KubeObject, node: string): KubeObject | undefined {
  const { name, namespace, uid } = pod.metadata;
  try {
    PODS.subresources!.actions!.binding.handle(ctx, namespace!, name!, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, uid },
      target: { kind: 'Node', name: node },
    });
  } catch (e) {
    console.warn(`binding ${namespace}/${name} to ${node} failed: ${(e as Error).message}`);
    return undefined;
  }
  return ctx.store.get(resKey(PODS), namespace!, name!)?.obj;
}

/** handleSchedulingFailure: PodScheduled=False (written only when it changes) and a FailedScheduling event. */
function recordFailure(ctx: ApiContext, pod: KubeObject, message: string): KubeObject {
  const prev = (pod.status?.conditions ?? []).find((c: any) => c?.type === 'PodScheduled');
  let current = pod;
  if (!prev || prev.status !== 'False' || prev.reason !== 'Unschedulable' || prev.message !== message) {
    const status = structuredClone(pod.status ?? {});
    setPodCondition(status, { type: 'PodScheduled', status: 'False', observedGeneration: pod.metadata.generation, reason: 'Unschedulable', message }, rfc3339(ctx.now()));
    current = updateObject(ctx, PODS, pod.metadata.namespace!, pod.metadata.name!, { metadata: { name: pod.metadata.name }, status }, 'status');
  }
  schedulerEvent(ctx, current, 'Warning', 'FailedScheduling', 'Scheduling', message);
  return current;
}

function reconcile(ctx: ApiContext): number | undefined {
  const now = ctx.now();
  const mem = memoryOf(ctx);
  const nodes = ctx.store.list(resKey(NODES), '').map((e) => e.obj);
  const pods = ctx.store.list(resKey(PODS), '').map((e) => e.obj);
  observe(mem, nodes, pods);
  const live = new Set(pods.map((p) => p.metadata.uid));
  for (const uid of mem.queue.keys()) if (!live.has(uid)) mem.queue.delete(uid);
  for (const uid of mem.explained.keys()) if (!live.has(uid)) mem.explained.delete(uid);

  const pending = pods.filter(wantsScheduling).sort(queueOrder);
  if (!pending.length) return undefined;
  const infos = nodeInfos(nodes, pods);
  let next: number | undefined;
  let binds = 0;
  for (const pod of pending) {
    const uid = pod.metadata.uid!;
    const queued = mem.queue.get(uid);
    const due = dueAt(queued, pod, mem.generation, now);
    if (due > now) {
      next = next === undefined ? due : Math.min(next, due);
      continue;
    }
    if (binds >= MAX_BINDS_PER_RUN) return now;
    const d = decide(pod, infos);
    const attempts = (queued?.attempts ?? 0) + 1;
    const explanation = (result: Explanation['result']): Explanation => ({
      pod: `${pod.metadata.namespace}/${pod.metadata.name}`,
      uid,
      attemptedAt: new Date(now).toISOString(),
      attempts,
      result,
      nodes: d.nodes,
    });
    if (d.node) {
      const bound = bind(ctx, pod, d.node);
      if (!bound) continue;
      binds++;
      addPod(infos.get(d.node)!, bound);
      mem.queue.delete(uid);
      mem.bound.add(uid);
      mem.explained.set(uid, explanation({ node: d.node }));
      schedulerEvent(ctx, bound, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${d.node}`);
      continue;
    }
    const current = recordFailure(ctx, pod, d.message!);
    mem.queue.set(uid, { attempts, lastAttempt: now, generation: mem.generation, rv: current.metadata.resourceVersion! });
    mem.explained.set(uid, explanation({ unschedulable: d.message! }));
    const retry = now + UNSCHEDULABLE_FLUSH_MS;
    next = next === undefined ? retry : Math.min(next, retry);
  }
  return next;
}

export const scheduler: Controller = { name: 'scheduler', identity: 'system:kube-scheduler', reconcile };

/**
 * Why a pod went where it went (or nowhere): the scheduler's last record, or, when it has none (it
 * restarted, or the pod was bound by someone else), the same computation over the cluster as it is now.
 */
export function explainPod(ctx: ApiContext, namespace: string, name: string): Explanation | undefined {
  const pod = ctx.store.get(resKey(PODS), namespace, name)?.obj;
  if (!pod) return undefined;
  const kept = memories.get(ctx.store)?.explained.get(pod.metadata.uid!);
  if (kept) return kept;
  const nodes = ctx.store.list(resKey(NODES), '').map((e) => e.obj);
  const others = ctx.store.list(resKey(PODS), '').map((e) => e.obj).filter((p) => p.metadata.uid !== pod.metadata.uid);
  const unbound = { ...pod, spec: { ...pod.spec, nodeName: undefined } };
  const d = decide(unbound, nodeInfos(nodes, others));
  return {
    pod: `${namespace}/${name}`,
    uid: pod.metadata.uid!,
    attemptedAt: new Date(ctx.now()).toISOString(),
    attempts: 0,
    result: pod.spec?.nodeName ? { node: pod.spec.nodeName } : d.node ? { node: d.node } : { unschedulable: d.message! },
    nodes: d.nodes,
    recomputed: true,
  };
}
