// The endpoints controller (pkg/controller/endpoint, networking.md §6.1): the legacy Endpoints object of
// every Service with a selector, named like the Service, with ready and not-ready pod addresses. Also the
// pod/service helpers the EndpointSlice controller shares (pkg/api/v1/pod, endpointslice utils).
// The `kubernetes` service has no selector: the API server maintains its endpoints (bootstrap).
import { resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { deepEqual } from '../apiserver/json-util';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { isIPv6 } from '../resources/endpoints';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { isPodReady, quietly } from './controller-utils';
import type { Controller } from './types';

const SERVICES = findResource('', 'v1', 'services')!;
const PODS = findResource('', 'v1', 'pods')!;
const ENDPOINTS = findResource('', 'v1', 'endpoints')!;

export const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const HEADLESS = 'service.kubernetes.io/headless';
const MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
const CONTROLLER_NAME = 'endpoint-controller';
const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
const MAX_CAPACITY = 1000;

// ---- helpers shared with the EndpointSlice controller ------------------------------------------

/** Services the controllers serve: a selector (a nil or empty one means user-managed) and not ExternalName. */
export function selectedServices(ctx: ApiContext): KubeObject[] {
  return ctx.store
    .list(resKey(SERVICES), '')
    .map((e) => e.obj)
    .filter((s) => s.spec?.type !== 'ExternalName' && Object.keys(s.spec?.selector ?? {}).length > 0);
}

/** The pods of the service's namespace its selector matches (equality on every key). */
export function servicePods(ctx: ApiContext, svc: KubeObject): KubeObject[] {
  const selector: Record<string, string> = svc.spec.selector;
  return ctx.store
    .list(resKey(PODS), svc.metadata.namespace!)
    .map((e) => e.obj)
    .filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
}

/** ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless those are included. */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!podIPs(pod).length) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** status.podIPs, falling back to podIP (the v1→internal conversion fills one from the other). */
export const podIPs = (pod: KubeObject): string[] =>
  pod.status?.podIPs?.length ? pod.status.podIPs.map((p: any) => p.ip) : pod.status?.podIP ? [pod.status.podIP] : [];

/** The pod's IP of one family, or undefined. */
export const podIPOf = (pod: KubeObject, family: string) => podIPs(pod).find((ip) => isIPv6(ip) === (family === 'IPv6'));

/** The family a service's endpoints use: ipFamilies[0], else from the cluster IP. */
export const primaryFamily = (svc: KubeObject): string =>
  svc.spec.ipFamilies?.[0] ?? (svc.spec.clusterIP && svc.spec.clusterIP !== 'None' && isIPv6(svc.spec.clusterIP) ? 'IPv6' : 'IPv4');

/** FindPort: a numeric targetPort as is; a named one from the pod's containers (and sidecars) with the same protocol. */
export function findPort(pod: KubeObject, port: any): number | undefined {
  const target = port.targetPort;
  if (typeof target === 'number') return target;
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always'),
  ];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === port.protocol) return p.containerPort;
  }
  return undefined;
}

/** ShouldSetHostname: the pod's hostname when its subdomain is the service. */
export const podHostname = (pod: KubeObject, svc: KubeObject): string | undefined =>
  pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace ? pod.spec.hostname : undefined;

export const isHeadless = (svc: KubeObject) => !svc.spec.clusterIP || svc.spec.clusterIP === 'None';

/** {kind: Pod, namespace, name, uid}: no resourceVersion in current versions. */
export const podRef = (pod: KubeObject) => ({ kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid });

/**
 * The last-change-trigger-time annotation: the latest change that made the endpoints what they are (the
 * service's creation, a pod becoming ready or not). Upstream tracks this between syncs; here it is derived.
 */
export function triggerTime(svc: KubeObject, pods: KubeObject[]): string {
  let t = Date.parse(svc.metadata.creationTimestamp!);
  for (const p of pods) {
    const ready = p.status?.conditions?.find((c: any) => c.type === 'Ready');
    const at = Date.parse(ready?.lastTransitionTime ?? p.metadata.creationTimestamp ?? '');
    if (at > t) t = at;
  }
  return rfc3339(t);
}

// ---- the Endpoints object ------------------------------------------------------------------------

interface Address {
  ip: string;
  hostname?: string;
  nodeName: string;
  targetRef: ReturnType<typeof podRef>;
}

/** EndpointPort as core/v1 serializes it: an empty name and a nil appProtocol are omitted. */
function endpointPort(port: any, number: number) {
  const p: Record<string, unknown> = {};
  if (port.name) p.name = port.name;
  p.port = number;
  p.protocol = port.protocol;
  if (port.appProtocol != null) p.appProtocol = port.appProtocol;
  return p;
}

const addressKey = (a: Address) => `${a.ip}/${a.targetRef.uid}`;
const compareBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** LessEndpointAddress: by IP string bytewise, then pod UID. */
const compareAddresses = (a: Address, b: Address) => compareBytes(a.ip, b.ip) || compareBytes(a.targetRef.uid ?? '', b.targetRef.uid ?? '');

/**
 * RepackSubsets: each port maps to the set of (address, ready) offering it; ports with identical sets share
 * a subset. Portless entries (headless without ports) keep their addresses in a subset with no ports.
 */
export function repackSubsets(entries: { address: Address; ready: boolean; port?: Record<string, unknown> }[]): any[] {
  const byPort = new Map<string, { port?: Record<string, unknown>; addrs: Map<string, { address: Address; ready: boolean }> }>();
  for (const e of entries) {
    const key = e.port ? JSON.stringify(e.port) : '';
    const slot = byPort.get(key) ?? { port: e.port, addrs: new Map() };
    byPort.set(key, slot);
    const k = addressKey(e.address);
    if (!slot.addrs.has(k) || !slot.addrs.get(k)!.ready) slot.addrs.set(k, { address: e.address, ready: e.ready });
  }
  const groups = new Map<string, { addrs: { address: Address; ready: boolean }[]; ports: Record<string, unknown>[] }>();
  for (const { port, addrs } of byPort.values()) {
    const list = [...addrs.values()].sort((a, b) => compareAddresses(a.address, b.address));
    const key = list.map((a) => `${addressKey(a.address)}=${a.ready}`).join(',');
    const group = groups.get(key) ?? { addrs: list, ports: [] };
    groups.set(key, group);
    if (port) group.ports.push(port);
  }
  const subsets = [...groups.values()].map(({ addrs, ports }) => {
    const subset: Record<string, unknown> = {};
    const ready = addrs.filter((a) => a.ready).map((a) => a.address);
    const notReady = addrs.filter((a) => !a.ready).map((a) => a.address);
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (ports.length) subset.ports = ports.sort((a, b) => compareBytes(JSON.stringify(a), JSON.stringify(b)));
    return subset;
  });
  // Upstream orders subsets by a hash; any stable order will do.
  return subsets.sort((a, b) => compareBytes(JSON.stringify(a), JSON.stringify(b)));
}

/** The subsets of a service's Endpoints (syncService). */
export function desiredSubsets(svc: KubeObject, pods: KubeObject[]): any[] {
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const family = primaryFamily(svc);
  const ports: any[] = svc.spec.ports ?? [];
  const entries: Parameters<typeof repackSubsets>[0] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPOf(pod, family);
    if (!ip) continue;
    const hostname = podHostname(pod, svc);
    const address: Address = { ip, ...(hostname && { hostname }), nodeName: pod.spec?.nodeName ?? '', targetRef: podRef(pod) };
    const ready = publishNotReady || isPodReady(pod);
    if (!ports.length) {
      if (svc.spec.clusterIP === 'None') entries.push({ address, ready });
      continue;
    }
    for (const port of ports) {
      const number = findPort(pod, port);
      if (number !== undefined) entries.push({ address, ready, port: endpointPort(port, number) });
    }
  }
  return repackSubsets(entries);
}

/** truncateEndpoints: keep at most 1000 addresses, ready ones first, spread over subsets by proportion. */
function truncate(subsets: any[]): boolean {
  const count = (key: string) => subsets.reduce((n, s) => n + (s[key]?.length ?? 0), 0);
  const ready = count('addresses');
  const notReady = count('notReadyAddresses');
  if (ready + notReady <= MAX_CAPACITY) return false;
  const truncateReady = ready > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - ready;
  const total = truncateReady ? ready : notReady;
  let room = max;
  for (const s of subsets) {
    const key = truncateReady ? 'addresses' : 'notReadyAddresses';
    const n = Math.min(Math.ceil(((s[key]?.length ?? 0) / total) * max), room);
    if (s[key]) s[key] = s[key].slice(0, n);
    if (truncateReady) delete s.notReadyAddresses;
    room -= s[key]?.length ?? 0;
  }
  return true;
}

function desiredLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata.labels };
  if (isHeadless(svc)) labels[HEADLESS] = '';
  else delete labels[HEADLESS];
  labels[MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

function syncService(ctx: ApiContext, svc: KubeObject) {
  const ns = svc.metadata.namespace!;
  const pods = servicePods(ctx, svc);
  const subsets = desiredSubsets(svc, pods);
  const truncated = truncate(subsets);
  const current = ctx.store.get(resKey(ENDPOINTS), ns, svc.metadata.name!)?.obj;
  const body: KubeObject = current ? structuredClone(current) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name } };
  const annotations: Record<string, string> = { ...body.metadata.annotations };
  if (truncated) annotations[OVER_CAPACITY] = 'truncated';
  else delete annotations[OVER_CAPACITY];
  body.metadata.labels = desiredLabels(svc);
  if (subsets.length) body.subsets = subsets;
  else delete body.subsets;
  // Only subsets, labels and the capacity mark decide whether to write; the trigger time rides along.
  if (current && deepEqual({ ...body, metadata: { ...body.metadata, annotations } }, current)) return;
  body.metadata.annotations = { ...annotations, [TRIGGER_TIME]: triggerTime(svc, pods) };
  quietly(() => (current ? updateObject(ctx, ENDPOINTS, ns, svc.metadata.name!, body, '') : createObject(ctx, ENDPOINTS, ns, body)));
}

export const endpointsController: Controller = {
  name: 'endpoint',
  identity: 'system:serviceaccount:kube-system:endpoint-controller',
  reconcile(ctx) {
    const services = selectedServices(ctx);
    for (const svc of services) syncService(ctx, svc);
    // Endpoints this controller made whose Service is gone (checkLeftoverEndpoints, and the delete on a service delete).
    for (const { obj } of ctx.store.list(resKey(ENDPOINTS), '')) {
      if (obj.metadata.labels?.[MANAGED_BY] !== CONTROLLER_NAME) continue;
      const ns = obj.metadata.namespace!;
      if (ctx.store.get(resKey(SERVICES), ns, obj.metadata.name!)) continue;
      quietly(() => deleteObject(ctx, ENDPOINTS, ns, obj.metadata.name!, {}));
    }
    return undefined;
  },
};
