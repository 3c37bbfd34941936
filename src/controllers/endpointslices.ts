// The EndpointSlice controller (k8s.io/endpointslice reconciler, networking.md §6.2): per Service with a
// selector and per address family, slices of at most 100 endpoints grouped by resolved port set, named
// `<svc>-<random>`, owned by the Service (so the garbage collector removes them with it). Terminating pods
// stay in with ready=false; a Service without endpoints gets one placeholder slice.
import { resKey, type ApiContext } from '../apiserver/context';
import { deepEqual } from '../apiserver/json-util';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { isIPv6 } from '../resources/endpoints';
import { findResource } from '../resources/registry';
import { apiVersionOf, type KubeObject } from '../resources/types';
import {
  HEADLESS,
  TRIGGER_TIME,
  findPort,
  isHeadless,
  podHostname,
  podIPs,
  podRef,
  selectedServices,
  servicePods,
  shouldPodBeInEndpoints,
  triggerTime,
} from './endpoints';
import { isPodReady, newControllerRef, quietly } from './controller-utils';
import type { Controller } from './types';
import type { Store } from '../durable/store';

const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const NODES = findResource('', 'v1', 'nodes')!;
export const SERVICE_NAME = 'kubernetes.io/service-name';
export const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';

/** The EndpointSlices of a Service, selected by the service-name label as kube-proxy and CoreDNS select them. */
export const slicesOfService = (store: Store, namespace: string, service: string): KubeObject[] =>
  store
    .list(resKey(SLICES), namespace)
    .map((e) => e.obj)
    .filter((s) => s.metadata.labels?.[SERVICE_NAME] === service);
const MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE = 'topology.kubernetes.io/zone';

/** getAddressTypesForService: from ipFamilies, else the cluster IP, else IPv4. */
function addressTypes(svc: KubeObject): string[] {
  const families: string[] = (svc.spec.ipFamilies ?? []).filter((f: string) => f === 'IPv4' || f === 'IPv6');
  if (families.length) return [...new Set(families)];
  const ip = svc.spec.clusterIP;
  return [ip && ip !== 'None' && isIPv6(ip) ? 'IPv6' : 'IPv4'];
}

/** getEndpointPorts: each service port the pod resolves; a headless service may have none. */
function endpointPorts(svc: KubeObject, pod: KubeObject): any[] {
  const out: any[] = [];
  for (const port of svc.spec.ports ?? []) {
    const number = findPort(pod, port);
    if (number === undefined) continue;
    const p: Record<string, unknown> = { name: port.name ?? '', protocol: port.protocol, port: number };
    if (port.appProtocol != null) p.appProtocol = port.appProtocol;
    out.push(p);
  }
  return out;
}

/** podToEndpoint, fields in the order discovery/v1 serializes them. */
function podToEndpoint(pod: KubeObject, node: KubeObject | undefined, svc: KubeObject, addresses: string[]) {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ep: Record<string, unknown> = {
    addresses,
    conditions: { ready: svc.spec.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating },
  };
  const hostname = podHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  ep.targetRef = podRef(pod);
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[ZONE];
  if (zone) ep.zone = zone;
  return ep;
}

/** The desired endpoints of one address type, grouped by port set (key: the ports' JSON). */
function desiredByPorts(ctx: ApiContext, svc: KubeObject, pods: KubeObject[], addressType: string) {
  const groups = new Map<string, { ports: any[]; endpoints: any[] }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const node = ctx.store.get(resKey(NODES), '', pod.spec?.nodeName ?? '')?.obj;
    // A pod on a missing node is left out (unless the service publishes not-ready addresses).
    if (!node && svc.spec.publishNotReadyAddresses !== true) continue;
    const addresses = podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6'));
    if (!addresses.length) continue;
    const ports = endpointPorts(svc, pod);
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, endpoints: [] };
    groups.set(key, group);
    group.endpoints.push(podToEndpoint(pod, node, svc, addresses));
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => (a.addresses[0] < b.addresses[0] ? -1 : a.addresses[0] > b.addresses[0] ? 1 : 0));
  return groups;
}

/** setEndpointSliceLabels: the service's labels (reserved keys excepted) plus the controller's own. */
function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(svc.metadata.labels ?? {})) {
    if (k !== SERVICE_NAME && k !== MANAGED_BY && k !== HEADLESS) labels[k] = v;
  }
  if (isHeadless(svc)) labels[HEADLESS] = '';
  labels[SERVICE_NAME] = svc.metadata.name!;
  labels[MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

const ownedBy = (slice: KubeObject, svc: KubeObject) => slice.metadata.ownerReferences?.some((r: any) => r.controller && r.uid === svc.metadata.uid) ?? false;
/** Empty lists are stored as null (upstream's protobuf storage does not keep empty slices). */
const orNull = (list: any[]) => (list.length ? list : null);

interface Wanted {
  addressType: string;
  ports: any[];
  endpoints: any[];
}

/** Creates the slice, or updates `existing` when its endpoints, ports or labels differ. */
function writeSlice(ctx: ApiContext, svc: KubeObject, want: Wanted, existing: KubeObject | undefined, trigger: string) {
  const ns = svc.metadata.namespace!;
  const labels = sliceLabels(svc);
  const endpoints = orNull(want.endpoints);
  const ports = orNull(want.ports);
  if (existing && deepEqual(existing.endpoints ?? null, endpoints) && deepEqual(existing.ports ?? null, ports) && deepEqual(existing.metadata.labels ?? {}, labels)) return;
  const metadata = existing
    ? { ...structuredClone(existing.metadata), labels }
    : { generateName: `${svc.metadata.name}-`, namespace: ns, labels, ownerReferences: [newControllerRef(svc)] };
  metadata.annotations = { ...metadata.annotations, [TRIGGER_TIME]: trigger };
  const body = { apiVersion: apiVersionOf(SLICES), kind: 'EndpointSlice', metadata, addressType: want.addressType, endpoints, ports };
  quietly(() => (existing ? updateObject(ctx, SLICES, ns, existing.metadata.name!, body, '') : createObject(ctx, SLICES, ns, body)));
}

function removeSlice(ctx: ApiContext, slice: KubeObject) {
  quietly(() => deleteObject(ctx, SLICES, slice.metadata.namespace!, slice.metadata.name!, {}));
}

/** reconcileByAddressType, simplified: each port group fills its existing slices in name order, 100 endpoints each. */
function reconcileAddressType(ctx: ApiContext, svc: KubeObject, pods: KubeObject[], addressType: string, existing: KubeObject[], trigger: string) {
  const groups = desiredByPorts(ctx, svc, pods, addressType);
  const byPorts = new Map<string, KubeObject[]>();
  for (const s of existing) {
    const key = JSON.stringify(s.ports ?? []);
    byPorts.set(key, [...(byPorts.get(key) ?? []), s]);
  }
  if (!groups.size) {
    // No endpoints: keep (or make) exactly one placeholder slice.
    const placeholder = existing.find((s) => !s.endpoints?.length && !s.ports?.length);
    for (const s of existing) if (s !== placeholder) removeSlice(ctx, s);
    writeSlice(ctx, svc, { addressType, ports: [], endpoints: [] }, placeholder, trigger);
    return;
  }
  for (const [key, slices] of byPorts) if (!groups.has(key)) slices.forEach((s) => removeSlice(ctx, s));
  for (const [key, { ports, endpoints }] of groups) {
    const slices = byPorts.get(key) ?? [];
    const chunks: any[][] = [];
    for (let i = 0; i < endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) chunks.push(endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE));
    chunks.forEach((chunk, i) => writeSlice(ctx, svc, { addressType, ports, endpoints: chunk }, slices[i], trigger));
    slices.slice(chunks.length).forEach((s) => removeSlice(ctx, s));
  }
}

function syncService(ctx: ApiContext, svc: KubeObject) {
  const types = addressTypes(svc);
  const pods = servicePods(ctx, svc);
  const trigger = triggerTime(svc, pods);
  const managed = ctx.store
    .list(resKey(SLICES), svc.metadata.namespace!)
    .map((e) => e.obj)
    .filter((s) => s.metadata.labels?.[SERVICE_NAME] === svc.metadata.name && s.metadata.labels?.[MANAGED_BY] === CONTROLLER_NAME);
  // Slices of another (earlier) service of that name, or of a family the service no longer has, go.
  for (const s of managed) if (!ownedBy(s, svc) || !types.includes(s.addressType)) removeSlice(ctx, s);
  for (const type of types) {
    const existing = managed.filter((s) => ownedBy(s, svc) && s.addressType === type).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    reconcileAddressType(ctx, svc, pods, type, existing, trigger);
  }
}

export const endpointSliceController: Controller = {
  name: 'endpointslice',
  identity: 'system:serviceaccount:kube-system:endpointslice-controller',
  reconcile(ctx) {
    for (const svc of selectedServices(ctx)) syncService(ctx, svc);
    return undefined;
  },
};
