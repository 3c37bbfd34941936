// The simulated kubelets, one per Node (control-plane.md §6.1-6.2, §8): each registers its node, renews
// its Lease in kube-node-lease every 10 s, reports node conditions, and drives the pods bound to it
// through pod-lifecycle.ts. A node the simulation rules mark down does nothing at all, like a kubelet
// that lost its network: no lease, no status, no pod progress.
import { resKey, type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { deepEqual } from '../apiserver/json-util';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { nodeStatus } from '../durable/bootstrap';
import { containerStarts, servicesForPod, withStarts, type PodRuntime } from '../network/service-env';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { recordEvent } from './events';
import { syncPod, type NodeEnv } from './pod-lifecycle';
import { addPod, admissionFailure, nodeInfo } from './scheduler-plugins';
import { imageID, loadRules, microTime, nodeDownWindow } from './simulation';
import type { Controller } from './types';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const SERVICES = findResource('', 'v1', 'services')!;
const leasesDef = () => findResource('coordination.k8s.io', 'v1', 'leases');

export const LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_SECONDS = 40;
/** 0.25 × the lease duration */
const RENEW_MS = 10_000;
/** nodeStatusReportFrequency: status is re-posted this often even when nothing changed */
const REPORT_MS = 5 * 60_000;
const MAX_IMAGES = 50;

/** What a kubelet keeps in memory (lost on restart; everything here can be rebuilt or skipped). */
interface Memory {
  /** pod uid → cluster time up to which its lifecycle was simulated */
  synced: Map<string, number>;
  /** pod uid → the pod's resourceVersion and rules when it last had nothing to do, and when it will */
  idle: Map<string, { rv: string; rules: object; next?: number }>;
  /** one-off events already emitted (Pulling, Killing, Unhealthy) */
  emitted: Set<string>;
  /** exact times behind the second-precision timestamps written into pod statuses */
  times: Map<string, number>;
  /** node → image → when its first pull there finished, and its size */
  images: Map<string, Map<string, { at: number; size: number }>>;
  /** node → spec.unschedulable last seen, for the NodeSchedulable / NodeNotSchedulable events */
  unschedulable: Map<string, boolean>;
  /** pod uids with a runtime row in the store (the services each container saw when it started) */
  runtime: Set<string>;
}

const memories = new WeakMap<object, Memory>();
function memoryOf(ctx: ApiContext): Memory {
  let m = memories.get(ctx.store);
  if (!m) {
    const runtime = new Set(ctx.store.runtimeKeys());
    memories.set(ctx.store, (m = { synced: new Map(), idle: new Map(), emitted: new Set(), times: new Map(), images: new Map(), unschedulable: new Map(), runtime }));
  }
  return m;
}

const HEALTHY: [string, string, string, string, string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', 'NodeHasSufficientMemory'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', 'NodeHasNoDiskPressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', 'NodeHasSufficientPID'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', 'NodeReady'],
];

const time = (s: unknown) => {
  const t = Date.parse(String(s ?? ''));
  return Number.isNaN(t) ? undefined : t;
};
const minOf = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/** The kubelet names its node in events by name, with the name as uid too. */
const nodeRef = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } });

function nodeEvent(ctx: ApiContext, node: string, reason: string, message: string) {
  recordEvent(ctx, nodeRef(node), { type: 'Normal', reason, message, component: 'kubelet', host: node });
}

// ---------------------------------------------------------------------------------------------
// Node: registration, conditions, heartbeat, lease

const internalIP = (n: KubeObject) => (n.status?.addresses ?? []).find((a: any) => a?.type === 'InternalIP')?.address as string | undefined;

/** A node object nobody's kubelet has initialized (created by a user): fill in what a kubelet reports. */
function register(ctx: ApiContext, node: KubeObject, nodes: KubeObject[], now: number) {
  const name = node.metadata.name!;
  const octets = nodes.map((n) => Number(internalIP(n)?.split('.')[3] ?? 0));
  const i = Math.max(1, ...octets) - 1;
  const template = nodeStatus(i, new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const status = structuredClone(node.status ?? {});
  // What the machine reports (ephemeral-storage, hugepages, ...) with the resources the Node brings kept.
  status.capacity = { ...template.capacity, ...status.capacity };
  status.allocatable = { ...status.capacity, ...status.allocatable };
  status.conditions = template.conditions;
  status.addresses ??= [
    { type: 'InternalIP', address: `172.18.0.${i + 2}` },
    { type: 'Hostname', address: name },
  ];
  status.daemonEndpoints ??= template.daemonEndpoints;
  status.nodeInfo ??= template.nodeInfo;
  const labels = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    ...node.metadata.labels,
  };
  // The kubelet's attach/detach annotation, and the TTL controller's (0 s for clusters of up to 100 nodes).
  const annotations = {
    ...node.metadata.annotations,
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  let current = node;
  if (!deepEqual(labels, node.metadata.labels ?? {}) || !deepEqual(annotations, node.metadata.annotations ?? {})) {
    const metadata = { ...structuredClone(node.metadata), labels, annotations };
    current = updateObject(ctx, NODES, '', name, { ...structuredClone(node), metadata }, '');
  }
  updateObject(ctx, NODES, '', name, { ...structuredClone(current), status }, 'status');
  nodeEvent(ctx, name, 'Starting', 'Starting kubelet.');
  for (const [, , , , reason] of HEALTHY.slice(0, 3)) nodeEvent(ctx, name, reason, `Node ${name} status is now: ${reason}`);
  nodeEvent(ctx, name, 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
  nodeEvent(ctx, name, 'NodeReady', `Node ${name} status is now: NodeReady`);
}

/** Re-asserts healthy conditions (after the node controller marked them Unknown) or posts a heartbeat. */
function reportStatus(ctx: ApiContext, node: KubeObject, now: number, images: Map<string, { at: number; size: number }> | undefined): number {
  const name = node.metadata.name!;
  const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions: any[] = structuredClone(node.status?.conditions ?? []);
  const changed: string[] = [];
  for (const [type, status, reason, message, event] of HEALTHY) {
    let c = conditions.find((x) => x?.type === type);
    if (!c) conditions.push((c = { type }));
    if (c.status !== status || c.reason !== reason) {
      Object.assign(c, { status, lastHeartbeatTime: stamp, lastTransitionTime: stamp, reason, message });
      changed.push(event);
    }
  }
  const ready = conditions.find((c) => c.type === 'Ready');
  const heartbeatDue = (time(ready?.lastHeartbeatTime) ?? 0) + REPORT_MS <= now;
  const newImages = imagesStatus(node, images);
  if (changed.length || heartbeatDue || newImages) {
    for (const c of conditions) if (HEALTHY.some(([t]) => t === c.type)) c.lastHeartbeatTime = stamp;
    const status = { ...structuredClone(node.status ?? {}), conditions };
    if (newImages) status.images = newImages;
    updateObject(ctx, NODES, '', name, { ...structuredClone(node), status }, 'status');
    for (const e of changed) nodeEvent(ctx, name, e, `Node ${name} status is now: ${e}`);
    return now + REPORT_MS;
  }
  return (time(ready?.lastHeartbeatTime) ?? now) + REPORT_MS;
}

/** node.status.images with the images pulled since, largest first (nodeStatusMaxImages 50); undefined if unchanged. */
function imagesStatus(node: KubeObject, pulled: Map<string, { at: number; size: number }> | undefined): any[] | undefined {
  const before: any[] = node.status?.images ?? [];
  const images: any[] = structuredClone(before);
  const known = new Set(images.flatMap((i) => i?.names ?? []));
  for (const [image, { size }] of pulled ?? []) {
    if (!known.has(image)) images.push({ names: [imageID(image), image], sizeBytes: size });
  }
  if (images.length === before.length) return undefined;
  const kept = images.sort((a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0)).slice(0, MAX_IMAGES);
  // Past the cap the smallest images drop out; that alone is no change worth a write.
  return JSON.stringify(kept) === JSON.stringify(before) ? undefined : kept;
}

function renewLease(ctx: ApiContext, node: KubeObject, now: number): number | undefined {
  const def = leasesDef();
  if (!def || !ctx.store.get(resKey({ group: '', plural: 'namespaces' }), '', LEASE_NAMESPACE)) return undefined;
  const name = node.metadata.name!;
  const lease = ctx.store.get(resKey(def), LEASE_NAMESPACE, name)?.obj;
  if (!lease) {
    try {
      createObject(ctx, def, LEASE_NAMESPACE, {
        metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }] },
        spec: { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS, renewTime: microTime(now) },
      });
    } catch (e) {
      // A full cluster refuses the Lease; the kubelet carries on and tries again at the next renewal.
      if (!(e instanceof ApiError)) throw e;
    }
    return now + RENEW_MS;
  }
  const renewed = time(lease.spec?.renewTime) ?? 0;
  if (renewed + RENEW_MS > now) return renewed + RENEW_MS;
  updateObject(ctx, def, LEASE_NAMESPACE, name, { ...structuredClone(lease), spec: { ...lease.spec, renewTime: microTime(now) } }, '');
  return now + RENEW_MS;
}

function schedulableEvents(ctx: ApiContext, mem: Memory, node: KubeObject) {
  const name = node.metadata.name!;
  const now = node.spec?.unschedulable === true;
  const before = mem.unschedulable.get(name);
  mem.unschedulable.set(name, now);
  if (before !== undefined && before !== now) {
    const reason = now ? 'NodeNotSchedulable' : 'NodeSchedulable';
    nodeEvent(ctx, name, reason, `Node ${name} status is now: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Pods

/** An allocator over the node's pod CIDR (IPv4): host-local style, the next free address after the last used. */
function ipAllocator(node: KubeObject, pods: KubeObject[]): () => string | undefined {
  const cidr: string | undefined = node.spec?.podCIDRs?.[0] ?? node.spec?.podCIDR;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr ?? '');
  if (!m) return () => undefined;
  const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const toIP = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
  const bits = Number(m[5]);
  const size = 2 ** (32 - bits);
  const base = toInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`) - (toInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`) % size);
  const used = new Set<number>();
  for (const p of pods) {
    if (p.spec?.hostNetwork || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    for (const a of p.status?.podIPs ?? []) if (a?.ip) used.add(toInt(a.ip));
  }
  // .0 is the network, .1 the bridge gateway, the last one broadcast.
  const first = base + 2;
  const last = base + size - 2;
  let cursor = Math.max(first - 1, ...[...used].filter((u) => u >= first && u <= last));
  return () => {
    for (let i = 0; i <= last - first; i++) {
      const candidate = first + ((cursor + 1 + i - first) % (last - first + 1));
      if (!used.has(candidate)) {
        used.add(candidate);
        cursor = candidate;
        return toIP(candidate);
      }
    }
    return undefined;
  };
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const byCreation = (a: KubeObject, b: KubeObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

function syncPods(ctx: ApiContext, mem: Memory, node: KubeObject, pods: KubeObject[], notBefore: number): number | undefined {
  const name = node.metadata.name!;
  const now = ctx.now();
  const rules = loadRules(ctx);
  const hostIP = internalIP(node) ?? '';
  const info = nodeInfo(node);
  for (const p of pods) if (p.status?.startTime && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed') addPod(info, p);
  let images = mem.images.get(name);
  if (!images) mem.images.set(name, (images = new Map()));
  for (const i of node.status?.images ?? []) for (const n of i?.names ?? []) if (!images.has(n)) images.set(n, { at: -Infinity, size: i.sizeBytes ?? 0 });
  const imageMap = images;
  const env: NodeEnv = {
    hostIP,
    allocateIP: ipAllocator(node, pods),
    imagePresent: (image, at) => (imageMap.get(image)?.at ?? Infinity) <= at,
    imagePulled: (image, at, size) => {
      if ((imageMap.get(image)?.at ?? Infinity) > at) imageMap.set(image, { at, size });
    },
    emitted: mem.emitted,
    times: mem.times,
    newContainerID: () => randomHex(32),
    admission: (pod) => admissionFailure(pod, info),
  };
  let next: number | undefined;
  for (const pod of [...pods].sort(byCreation)) {
    const uid = pod.metadata.uid!;
    // Unchanged since a sync that found nothing due: nothing to do until then.
    const idle = mem.idle.get(uid);
    if (idle && idle.rv === pod.metadata.resourceVersion && idle.rules === rules && (idle.next === undefined || idle.next > now)) {
      next = minOf(next, idle.next);
      continue;
    }
    const wasAdmitted = !!pod.status?.startTime;
    const r = syncPod(pod, rules, env, now, mem.synced.get(uid), notBefore);
    let current = pod;
    if (r.status) {
      current = updateObject(ctx, PODS, pod.metadata.namespace!, pod.metadata.name!, { metadata: { name: pod.metadata.name }, status: r.status }, 'status');
      recordStarts(ctx, mem, pod, r.status);
    }
    for (const e of r.events) {
      const at = e.at;
      recordEvent({ ...ctx, now: () => at }, current, { type: e.type, reason: e.reason, message: e.message, component: 'kubelet', host: name, fieldPath: e.fieldPath });
    }
    if (r.remove) {
      deleteObject(ctx, PODS, pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
      mem.synced.delete(uid);
      forgetRuntime(ctx, mem, uid);
      continue;
    }
    if (r.syncedAt !== undefined) mem.synced.set(uid, r.syncedAt);
    if (!wasAdmitted && r.status?.startTime && r.status.phase !== 'Failed') addPod(info, current);
    // A pod waiting for an address is not idle: a freed one does not change the pod.
    if (current.status?.podIP || !current.status?.startTime) mem.idle.set(uid, { rv: current.metadata.resourceVersion!, rules, next: r.next });
    next = minOf(next, r.next);
  }
  return next;
}

/**
 * Keeps, for each container that just started, the services its environment got (networking.md §3.1):
 * the environment is made once per start, so services created, changed or deleted later do not show.
 */
function recordStarts(ctx: ApiContext, mem: Memory, pod: KubeObject, status: any) {
  const starts = containerStarts(pod.status, status);
  if (!starts.length) return;
  const uid = pod.metadata.uid!;
  const inNamespace = ctx.store.list(resKey(SERVICES), pod.metadata.namespace!).map((e) => e.obj);
  const master = ctx.store.get(resKey(SERVICES), 'default', 'kubernetes')?.obj;
  const before: PodRuntime | undefined = mem.runtime.has(uid) ? JSON.parse(ctx.store.getRuntime(uid) ?? 'null') ?? undefined : undefined;
  ctx.store.putRuntime(uid, JSON.stringify(withStarts(before, starts, (at) => servicesForPod(pod, inNamespace, master, at))));
  mem.runtime.add(uid);
}

function forgetRuntime(ctx: ApiContext, mem: Memory, uid: string) {
  if (mem.runtime.delete(uid)) ctx.store.deleteRuntime(uid);
}

/** Runtime rows of pods that are gone removed per pass, at most (the rest go in the next passes). */
const RUNTIME_DELETES_PER_PASS = 200;

/** Forgets pods that are gone. */
function prune(ctx: ApiContext, mem: Memory, live: Set<string>) {
  let deletes = 0;
  for (const uid of mem.runtime) {
    if (live.has(uid)) continue;
    forgetRuntime(ctx, mem, uid);
    if (++deletes >= RUNTIME_DELETES_PER_PASS) break;
  }
  for (const uid of mem.synced.keys()) if (!live.has(uid)) mem.synced.delete(uid);
  for (const uid of mem.idle.keys()) if (!live.has(uid)) mem.idle.delete(uid);
  const owner = (k: string) => k.slice(0, k.indexOf('/'));
  if (mem.emitted.size > 4 * live.size + 100) for (const k of mem.emitted) if (!live.has(owner(k))) mem.emitted.delete(k);
  if (mem.times.size > 8 * live.size + 100) for (const k of mem.times.keys()) if (!live.has(owner(k))) mem.times.delete(k);
}

// ---------------------------------------------------------------------------------------------

/** One kubelet's turn: registration, then lease, pods and node status. */
function syncNode(ctx: ApiContext, mem: Memory, node: KubeObject, nodes: KubeObject[], pods: KubeObject[], upSince?: number): number | undefined {
  const now = ctx.now();
  const name = node.metadata.name!;
  const registered = (node.status?.conditions ?? []).some((c: any) => c?.type === 'Ready') && node.status?.capacity;
  if (!registered) {
    register(ctx, node, nodes, now);
    return now;
  }
  let next = renewLease(ctx, node, now);
  schedulableEvents(ctx, mem, node);
  next = minOf(next, syncPods(ctx, mem, node, pods, upSince ?? -Infinity));
  const fresh = ctx.store.get(resKey(NODES), '', name)?.obj ?? node;
  return minOf(next, reportStatus(ctx, fresh, now, mem.images.get(name)));
}

function reconcile(ctx: ApiContext): number | undefined {
  const now = ctx.now();
  const rules = loadRules(ctx);
  const mem = memoryOf(ctx);
  const nodes = ctx.store.list(resKey(NODES), '').map((e) => e.obj);
  const byNode = new Map<string, KubeObject[]>();
  const live = new Set<string>();
  for (const { obj } of ctx.store.list(resKey(PODS), '')) {
    live.add(obj.metadata.uid!);
    const n = obj.spec?.nodeName;
    if (n) (byNode.get(n) ?? byNode.set(n, []).get(n)!).push(obj);
  }
  prune(ctx, mem, live);
  let next: number | undefined;
  for (const node of nodes) {
    const name = node.metadata.name!;
    const down = nodeDownWindow(rules, name);
    if (down && down.from <= now && (down.to === undefined || now < down.to)) {
      next = minOf(next, down.to);
      continue;
    }
    if (down && down.from > now) next = minOf(next, down.from);
    try {
      next = minOf(next, syncNode({ ...ctx, user: `system:node:${name}` }, mem, node, nodes, byNode.get(name) ?? [], down?.to));
    } catch (e) {
      // One node's trouble (say, the object cap refusing its Lease) must not stall the others.
      console.error(`kubelet ${name}: ${(e as Error)?.message ?? e}`);
      next = minOf(next, now + 1000);
    }
  }
  return next;
}

export const kubelet: Controller = { name: 'kubelet', identity: 'system:node', reconcile };
