// What kube-proxy does to a new connection to a service (networking.md §4), as a pure function over the
// Service and its EndpointSlices: usable endpoints per CategorizeEndpoints (ready ones, else serving and
// terminating ones), traffic policies Local, ClientIP session affinity, then a uniform random pick as the
// iptables and nftables modes make. No connection is ever opened; the caller gets the chosen backend.
import { primaryFamily } from '../controllers/endpoints';
import type { KubeObject } from '../resources/types';

/** The endpoint a connection lands on. */
export interface Backend {
  ip: string;
  port: number;
  /** the endpoint's targetRef when it is a pod */
  pod?: { namespace: string; name: string };
  nodeName?: string;
}

/** no-endpoints: REJECT (connection refused); no-local-endpoints: DROP (the client times out). */
export type Route = { backend: Backend } | { reject: 'no-endpoints' | 'no-local-endpoints' };

export interface Connection {
  service: KubeObject;
  /** the service's EndpointSlices (discovery.k8s.io/v1) */
  slices: KubeObject[];
  /** an entry of service.spec.ports */
  servicePort: any;
  clientIP: string;
  /** cluster time, ms */
  now: number;
  /** uniform in [0, 1): Math.random, or a seeded source in tests */
  random: () => number;
  /**
   * Where the connection enters: from a pod on `node` to the cluster IP (internalTrafficPolicy applies), or
   * to a node port of `node` (externalTrafficPolicy applies). Absent: any endpoint (the API server's proxy,
   * and load-balancer traffic, which the balancer only sends to nodes that have local endpoints).
   */
  via?: { node: string; external: boolean };
  /** ClientIP affinity memory; without it every connection picks anew */
  affinity?: AffinityTable;
}

const DEFAULT_AFFINITY_SECONDS = 10800;

/** A service port by number, or by name ('' is the one unnamed port). */
export function findServicePort(service: KubeObject, port: number | string): any {
  const ports: any[] = service.spec?.ports ?? [];
  return ports.find((p) => (typeof port === 'number' ? p.port === port : (p.name ?? '') === port));
}

interface Candidate extends Backend {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** Endpoints carrying the service port, with the port number the slice resolved for them. */
function candidates(service: KubeObject, slices: KubeObject[], servicePort: any): Candidate[] {
  const family = primaryFamily(service);
  const out: Candidate[] = [];
  for (const slice of slices) {
    if (slice.addressType !== family) continue;
    const port = (slice.ports ?? []).find((p: any) => (p?.name ?? '') === (servicePort.name ?? '') && (p?.protocol ?? 'TCP') === servicePort.protocol);
    if (typeof port?.port !== 'number') continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep?.addresses?.[0];
      if (!ip) continue;
      // discovery/v1: a nil ready or serving means true, a nil terminating false.
      const ready = ep.conditions?.ready ?? true;
      const c: Candidate = { ip, port: port.port, ready, serving: ep.conditions?.serving ?? ready, terminating: ep.conditions?.terminating ?? false };
      const ref = ep.targetRef;
      if (ref?.kind === 'Pod' && ref.name) c.pod = { namespace: ref.namespace ?? slice.metadata.namespace, name: ref.name };
      if (ep.nodeName) c.nodeName = ep.nodeName;
      out.push(c);
    }
  }
  return out;
}

/** CategorizeEndpoints for one set: the ready endpoints, else the serving and terminating ones. */
function usable(eps: Candidate[]): Candidate[] {
  const ready = eps.filter((e) => e.ready);
  return ready.length ? ready : eps.filter((e) => e.serving && e.terminating);
}

const addressOf = (b: Backend) => `${b.ip}:${b.port}`;

export function route(c: Connection): Route {
  const all = candidates(c.service, c.slices, c.servicePort);
  const spec = c.service.spec ?? {};
  const policy = c.via ? (c.via.external ? spec.externalTrafficPolicy : spec.internalTrafficPolicy) : undefined;
  const local = policy === 'Local';
  const pool = usable(local ? all.filter((e) => e.nodeName === c.via!.node) : all);
  if (!pool.length) return { reject: local && usable(all).length ? 'no-local-endpoints' : 'no-endpoints' };

  const sticky = spec.sessionAffinity === 'ClientIP' && c.affinity;
  const key = `${c.clientIP}|${c.service.metadata.namespace}/${c.service.metadata.name}|${c.servicePort.name ?? ''}`;
  if (sticky) {
    const timeout = (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) * 1000;
    const remembered = c.affinity!.get(key, c.now, timeout);
    const still = remembered && pool.find((e) => addressOf(e) === remembered);
    if (still) {
      c.affinity!.set(key, remembered, c.now);
      return { backend: backendOf(still) };
    }
  }
  const chosen = pool[Math.min(pool.length - 1, Math.floor(c.random() * pool.length))];
  if (sticky) c.affinity!.set(key, addressOf(chosen), c.now);
  return { backend: backendOf(chosen) };
}

function backendOf(c: Candidate): Backend {
  const b: Backend = { ip: c.ip, port: c.port };
  if (c.pod) b.pod = c.pod;
  if (c.nodeName) b.nodeName = c.nodeName;
  return b;
}

/**
 * ClientIP affinity as iptables' `recent` module keeps it: per (client, service port) the endpoint of the last
 * new connection and when it was made; an entry older than the timeout no longer counts. Bounded: past
 * `capacity` the least recently used entry goes.
 */
export class AffinityTable {
  private entries = new Map<string, { endpoint: string; last: number }>();

  constructor(private readonly capacity = 10_000) {}

  get size() {
    return this.entries.size;
  }

  /** The endpoint used for `key` within the last `timeoutMs`, else undefined (an expired entry is dropped). */
  get(key: string, now: number, timeoutMs: number): string | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.last > timeoutMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.endpoint;
  }

  set(key: string, endpoint: string, now: number) {
    this.entries.delete(key);
    this.entries.set(key, { endpoint, last: now });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

const tables = new WeakMap<object, AffinityTable>();

/** The affinity table of one cluster (keyed by its store), held in memory like kube-proxy's kernel state. */
export function affinityOf(store: object): AffinityTable {
  let t = tables.get(store);
  if (!t) tables.set(store, (t = new AffinityTable()));
  return t;
}
