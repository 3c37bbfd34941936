// The cluster as DNS sees it, read from the Durable Object's store (CoreDNS reads the same objects
// through its informers: Namespaces, Services and EndpointSlices).
import { resKey, type ApiContext } from '../apiserver/context';
import { slicesOfService } from '../controllers/endpointslices';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import type { DnsView } from './records';

const key = (group: string, version: string, plural: string) => resKey(findResource(group, version, plural)!);
const NAMESPACES = key('', 'v1', 'namespaces');
const SERVICES = key('', 'v1', 'services');
const SLICES = key('discovery.k8s.io', 'v1', 'endpointslices');

export function storeView(ctx: ApiContext): DnsView {
  const { store } = ctx;
  const objects = (res: string, ns = '') => store.list(res, ns).map((e) => e.obj);
  return {
    namespaceExists: (ns) => !!store.get(NAMESPACES, '', ns),
    service: (ns, name) => store.get(SERVICES, ns, name)?.obj,
    services: () => objects(SERVICES),
    endpointSlices: (ns, svc) => slicesOfService(store, ns, svc),
    allEndpointSlices: () => objects(SLICES),
    // Only negative answers need it (the SOA), so the scan happens only then.
    serial: () => lastChange([...objects(NAMESPACES), ...objects(SERVICES), ...objects(SLICES)]) || Math.floor(ctx.now() / 1000),
  };
}

/**
 * Unix seconds of the newest change visible in these objects (creation, managed-fields times, slice
 * change triggers): close to CoreDNS's serial, the time of the last API event it saw.
 */
export function lastChange(objects: KubeObject[]): number {
  let newest = 0;
  const see = (t: unknown) => {
    const ms = typeof t === 'string' ? Date.parse(t) : NaN;
    if (ms > newest) newest = ms;
  };
  for (const o of objects) {
    see(o.metadata.creationTimestamp);
    for (const f of (o.metadata as { managedFields?: { time?: string }[] }).managedFields ?? []) see(f.time);
    see(o.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
  }
  return Math.floor(newest / 1000);
}
