// kube-proxy's choice of backend over a Service and its EndpointSlices: CategorizeEndpoints, traffic policies,
// ClientIP affinity on the cluster clock, and the random pick with a seeded source.
import { describe, expect, it } from 'vitest';
import { AffinityTable, findServicePort, route, type Connection, type Route } from '../../src/network/kube-proxy';
import type { KubeObject } from '../../src/resources/types';

/** mulberry32: a small seeded generator, so spreads are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function service(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'ClusterIP', ipFamilies: ['IPv4'], sessionAffinity: 'None', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
  };
}

interface Ep {
  name: string;
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

function slice(eps: Ep[], ports: any[] = [{ name: 'http', port: 8080, protocol: 'TCP' }], addressType = 'IPv4'): KubeObject {
  return {
    metadata: { name: `web-${eps.map((e) => e.name).join('')}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType,
    ports,
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      targetRef: { kind: 'Pod', namespace: 'default', name: e.name },
      nodeName: e.node ?? 'node-1',
    })),
  };
}

const A = { name: 'a', ip: '10.244.1.5', node: 'node-1' };
const B = { name: 'b', ip: '10.244.2.5', node: 'node-2' };
const C = { name: 'c', ip: '10.244.3.5', node: 'node-3' };

function conn(svc: KubeObject, slices: KubeObject[], more: Partial<Connection> = {}): Connection {
  return { service: svc, slices, servicePort: findServicePort(svc, 80), clientIP: '203.0.113.7', now: 0, random: seeded(1), ...more };
}

const podOf = (r: Route) => ('backend' in r ? r.backend.pod?.name : r.reject);

describe('kube-proxy backend choice', () => {
  it('spreads new connections over every ready endpoint, at the port the slice resolved', () => {
    const c = conn(service(), [slice([A, B, C])]);
    const seen = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const r = route(c);
      if (!('backend' in r)) throw new Error(r.reject);
      expect(r.backend.port).toBe(8080);
      seen.set(r.backend.pod!.name, (seen.get(r.backend.pod!.name) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(60);
    const first = route({ ...c, random: () => 0 });
    expect(first).toEqual({ backend: { ip: A.ip, port: 8080, pod: { namespace: 'default', name: 'a' }, nodeName: 'node-1' } });
  });

  it('uses only ready endpoints while there are any, then serving terminating ones', () => {
    const notReady = { ...A, ready: false, serving: false };
    const terminating = { ...B, ready: false, serving: true, terminating: true };
    const c = conn(service(), [slice([notReady, terminating, C])]);
    for (let i = 0; i < 50; i++) expect(podOf(route(c))).toBe('c');
    const fallback = conn(service(), [slice([notReady, terminating])]);
    for (let i = 0; i < 50; i++) expect(podOf(route(fallback))).toBe('b');
  });

  it('has no endpoints without usable ones, a port the slices lack, or another address family', () => {
    const stopping = { ...A, ready: false, serving: false, terminating: true };
    expect(route(conn(service(), [slice([stopping])]))).toEqual({ reject: 'no-endpoints' });
    expect(route(conn(service(), []))).toEqual({ reject: 'no-endpoints' });
    expect(route(conn(service(), [slice([A], [{ name: 'metrics', port: 9090, protocol: 'TCP' }])]))).toEqual({ reject: 'no-endpoints' });
    expect(route(conn(service(), [slice([A], undefined, 'IPv6')]))).toEqual({ reject: 'no-endpoints' });
  });

  it('treats a missing ready condition as ready', () => {
    const s = slice([A]);
    delete s.endpoints[0].conditions;
    expect(podOf(route(conn(service(), [s])))).toBe('a');
  });

  it('resolves service ports by number or by name, and named target ports per slice', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }, { name: 'admin', port: 81, targetPort: 9000, protocol: 'TCP' }] });
    expect(findServicePort(svc, 81).name).toBe('admin');
    expect(findServicePort(svc, 'http').port).toBe(80);
    expect(findServicePort(svc, 82)).toBeUndefined();
    expect(findServicePort(svc, '')).toBeUndefined();
    // Pods that name the port differently resolve it to different numbers, in different slices.
    const slices = [slice([A], [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 9000, protocol: 'TCP' }]), slice([B], [{ name: 'http', port: 3000, protocol: 'TCP' }])];
    const ports = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const r = route({ ...conn(svc, slices, { random: seeded(i) }), servicePort: findServicePort(svc, 'http') });
      if ('backend' in r) ports.set(r.backend.pod!.name, r.backend.port);
    }
    expect(Object.fromEntries(ports)).toEqual({ a: 8080, b: 3000 });
    const admin = route({ ...conn(svc, slices), servicePort: findServicePort(svc, 81) });
    expect('backend' in admin && admin.backend).toMatchObject({ ip: A.ip, port: 9000 });
  });

  it('keeps a client on one backend until the affinity times out on the clock', () => {
    const svc = service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    const affinity = new AffinityTable();
    const random = seeded(7);
    const at = (now: number, clientIP = '203.0.113.7') => podOf(route(conn(svc, [slice([A, B, C])], { affinity, random, now, clientIP })));
    const pinned = at(0);
    // Each connection refreshes the entry: 20 connections 50 s apart stay on one backend.
    for (let i = 1; i <= 20; i++) expect(at(i * 50_000)).toBe(pinned);
    // Exactly the timeout after the last use still counts; past it the next pick is random again.
    expect(at(20 * 50_000 + 60_000)).toBe(pinned);
    const later = new Set<string | undefined>();
    let now = 20 * 50_000 + 60_000;
    for (let i = 0; i < 20; i++) later.add(at((now += 60_001)));
    expect(later.size).toBeGreaterThan(1);
    // Other clients are pinned on their own.
    const others = new Set<string | undefined>();
    for (let i = 0; i < 30; i++) others.add(at(now, `198.51.100.${i}`));
    expect(others.size).toBe(3);
  });

  it('drops an affinity whose backend is no longer ready', () => {
    const svc = service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } });
    const affinity = new AffinityTable();
    const pinned = podOf(route(conn(svc, [slice([A, B, C])], { affinity })));
    const others = [A, B, C].map((e) => (e.name === pinned ? { ...e, ready: false, serving: false } : e));
    const moved = podOf(route(conn(svc, [slice(others)], { affinity, now: 1000, random: () => 0.99 })));
    expect(moved).not.toBe(pinned);
    // The new backend is the one remembered now, even once the old one is back.
    for (let i = 0; i < 10; i++) expect(podOf(route(conn(svc, [slice([A, B, C])], { affinity, now: 2000 + i, random: seeded(i) })))).toBe(moved);
  });

  it('forgets affinity only past the timeout, and ignores it with sessionAffinity None', () => {
    const t = new AffinityTable(2);
    t.set('x', '10.0.0.1:80', 0);
    expect(t.get('x', 1000, 1000)).toBe('10.0.0.1:80');
    expect(t.get('x', 1001, 1000)).toBeUndefined();
    expect(t.size).toBe(0);
    t.set('a', '1', 0);
    t.set('b', '2', 0);
    t.set('c', '3', 0);
    expect([t.get('a', 0, 10), t.get('b', 0, 10), t.get('c', 0, 10)]).toEqual([undefined, '2', '3']);

    const affinity = new AffinityTable();
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 30; i++) seen.add(podOf(route(conn(service(), [slice([A, B, C])], { affinity, random: seeded(i) }))));
    expect(seen.size).toBe(3);
    expect(affinity.size).toBe(0);
  });

  it('sends Local traffic only to endpoints on the node, dropping it when there are none', () => {
    const svc = service({ type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' });
    const slices = [slice([A, B, { ...C, node: 'node-2' }])];
    for (let i = 0; i < 20; i++) {
      const r = route(conn(svc, slices, { via: { node: 'node-2', external: true }, random: seeded(i) }));
      expect('backend' in r && r.backend.nodeName).toBe('node-2');
    }
    expect(route(conn(svc, slices, { via: { node: 'node-3', external: true } }))).toEqual({ reject: 'no-local-endpoints' });
    expect(route(conn(svc, slices, { via: { node: 'node-3', external: false } }))).toEqual({ reject: 'no-local-endpoints' });
    expect(route(conn(svc, [], { via: { node: 'node-3', external: true } }))).toEqual({ reject: 'no-endpoints' });
    // A local endpoint that is terminating but serving is used when no local one is ready.
    const local = [slice([{ ...A, node: 'node-3', ready: false, serving: true, terminating: true }, B])];
    expect(podOf(route(conn(svc, local, { via: { node: 'node-3', external: true } })))).toBe('a');
    // Cluster policy (and no entry node at all) use every node's endpoints.
    const cluster = service({ type: 'NodePort', externalTrafficPolicy: 'Cluster' });
    expect(podOf(route(conn(cluster, slices, { via: { node: 'node-3', external: true }, random: () => 0 })))).toBe('a');
    expect(podOf(route(conn(svc, slices, { random: () => 0 })))).toBe('a');
  });
});
