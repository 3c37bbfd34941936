// The node lifecycle controller of kube-controller-manager (control-plane.md §6.3-6.4): a node whose
// kubelet stopped heartbeating (Ready condition and Lease) for the grace period goes Unknown, with a
// NodeNotReady event and its pods marked not ready; and the condition taints (NoSchedule, and NoExecute
// for not-ready / unreachable) follow the conditions, plus `unschedulable` for cordoned nodes.
import { resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { updateObject } from '../apiserver/writes';
import { setPodCondition } from '../resources/pod-actions';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { recordEvent } from './events';
import { LEASE_NAMESPACE } from './kubelet';
import type { Controller } from './types';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const COMPONENT = 'node-controller';

/** --node-monitor-grace-period (1.35) */
export const NODE_GRACE_MS = 50_000;
/** --node-startup-grace-period: for nodes that never posted a Ready condition */
const STARTUP_GRACE_MS = 60_000;
const MONITORED = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

const time = (s: unknown) => {
  const t = Date.parse(String(s ?? ''));
  return Number.isNaN(t) ? undefined : t;
};
const condition = (n: KubeObject, type: string) => (n.status?.conditions ?? []).find((c: any) => c?.type === type);

/** The last sign of life: the Ready heartbeat or the Lease renewal, whichever is later. */
function probeTime(ctx: ApiContext, node: KubeObject): number {
  const leases = findResource('coordination.k8s.io', 'v1', 'leases');
  const lease = leases ? ctx.store.get(resKey(leases), LEASE_NAMESPACE, node.metadata.name!)?.obj : undefined;
  return Math.max(
    time(condition(node, 'Ready')?.lastHeartbeatTime) ?? -Infinity,
    time(lease?.spec?.renewTime) ?? -Infinity,
    time(node.metadata.creationTimestamp) ?? -Infinity,
  );
}

/** MarkPodsNotReady: Ready=False on every pod of the node, each with a NodeNotReady warning. */
function markPodsNotReady(ctx: ApiContext, node: string, stamp: string) {
  for (const { obj } of ctx.store.list(resKey(PODS), '')) {
    if (obj.spec?.nodeName !== node || obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed') continue;
    const ready = (obj.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
    if (!ready || ready.status === 'False') continue;
    const status = structuredClone(obj.status);
    setPodCondition(status, { ...ready, status: 'False' }, stamp); // keeps reason and message, as upstream does
    const pod = updateObject(ctx, PODS, obj.metadata.namespace!, obj.metadata.name!, { metadata: { name: obj.metadata.name }, status }, 'status');
    recordEvent(ctx, pod, { type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', component: COMPONENT });
  }
}

/** monitorNodeHealth for one node; returns when it must look again. */
function monitor(ctx: ApiContext, node: KubeObject, now: number): number | undefined {
  const ready = condition(node, 'Ready');
  const grace = ready ? NODE_GRACE_MS : STARTUP_GRACE_MS;
  const deadline = probeTime(ctx, node) + grace;
  if (now <= deadline) return deadline + 1;
  const stamp = rfc3339(now);
  const conditions: any[] = structuredClone(node.status?.conditions ?? []);
  for (const type of MONITORED) {
    const c = conditions.find((x) => x?.type === type);
    if (!c) {
      conditions.push({
        type,
        status: 'Unknown',
        lastHeartbeatTime: node.metadata.creationTimestamp,
        lastTransitionTime: stamp,
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
      });
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', lastTransitionTime: stamp, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    }
  }
  if (JSON.stringify(conditions) === JSON.stringify(node.status?.conditions ?? [])) return undefined;
  const name = node.metadata.name!;
  const updated = updateObject(ctx, NODES, '', name, { ...structuredClone(node), status: { ...structuredClone(node.status ?? {}), conditions } }, 'status');
  if (ready?.status === 'True') {
    recordEvent(ctx, updated, { type: 'Normal', reason: 'NodeNotReady', message: `Node ${name} status is now: NodeNotReady`, component: COMPONENT });
    markPodsNotReady(ctx, name, stamp);
  }
  return undefined;
}

const NO_SCHEDULE_BY_CONDITION: [string, string, string][] = [
  ['Ready', 'False', 'node.kubernetes.io/not-ready'],
  ['Ready', 'Unknown', 'node.kubernetes.io/unreachable'],
  ['MemoryPressure', 'True', 'node.kubernetes.io/memory-pressure'],
  ['DiskPressure', 'True', 'node.kubernetes.io/disk-pressure'],
  ['PIDPressure', 'True', 'node.kubernetes.io/pid-pressure'],
  ['NetworkUnavailable', 'True', 'node.kubernetes.io/network-unavailable'],
];
const MANAGED = new Set([...NO_SCHEDULE_BY_CONDITION.map(([, , k]) => k), 'node.kubernetes.io/unschedulable']);
const NO_EXECUTE = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);

/** The controller's taints a node should carry (keys with their effects). */
function wantedTaints(node: KubeObject, noExecute: boolean): { key: string; effect: string }[] {
  const out: { key: string; effect: string }[] = [];
  for (const [type, status, key] of NO_SCHEDULE_BY_CONDITION) {
    if (condition(node, type)?.status === status) out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  const ready = condition(node, 'Ready')?.status;
  if (noExecute && ready === 'False') out.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' });
  if (noExecute && ready === 'Unknown') out.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' });
  return out;
}

/** Adds and removes the controller-managed taints; other taints are left alone. */
function reconcileTaints(ctx: ApiContext, node: KubeObject, noExecute: boolean, now: number) {
  const taints: any[] = node.spec?.taints ?? [];
  const wanted = wantedTaints(node, noExecute);
  const isManaged = (t: any) => MANAGED.has(t?.key) && (t.effect === 'NoSchedule' || (t.effect === 'NoExecute' && NO_EXECUTE.has(t.key)));
  const kept = taints.filter((t) => !isManaged(t) || wanted.some((w) => w.key === t.key && w.effect === t.effect));
  const added = wanted.filter((w) => !taints.some((t) => t?.key === w.key && t?.effect === w.effect)).map((w) => ({ ...w, timeAdded: rfc3339(now) }));
  if (kept.length === taints.length && !added.length) return;
  const spec = { ...structuredClone(node.spec ?? {}), taints: [...kept, ...added] };
  if (!spec.taints.length) delete spec.taints;
  updateObject(ctx, NODES, '', node.metadata.name!, { ...structuredClone(node), spec }, '');
}

function reconcile(ctx: ApiContext): number | undefined {
  const now = ctx.now();
  let next: number | undefined;
  for (const { obj } of ctx.store.list(resKey(NODES), '')) {
    const wake = monitor(ctx, obj, now);
    if (wake !== undefined) next = next === undefined ? wake : Math.min(next, wake);
  }
  const nodes = ctx.store.list(resKey(NODES), '').map((e) => e.obj);
  // "Master disruption mode": when no node is Ready, taint-based eviction stops altogether.
  const noExecute = nodes.some((n) => condition(n, 'Ready')?.status === 'True');
  for (const node of nodes) reconcileTaints(ctx, node, noExecute, now);
  return next;
}

export const nodeLifecycle: Controller = {
  name: 'node-lifecycle',
  identity: 'system:serviceaccount:kube-system:node-controller',
  reconcile,
};
