// Cluster DNS resolution, pure: every row of the NXDOMAIN/NODATA table and every record kind
// (networking.md §1), on a fixture modelled on CoreDNS's own handler tests, with kubeadm's TTL 30.
import { describe, expect, it } from 'vitest';
import { resolve, type DnsView } from '../../src/dns/records';
import { candidates, resolvConf } from '../../src/dns/search';
import { RCODE, TYPE, type ResourceRecord } from '../../src/dns/wire';
import type { KubeObject } from '../../src/resources/types';

const SERIAL = 1700000000;

const svc = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec } as KubeObject);
const clusterIP = (namespace: string, name: string, ips: string[], ports = [{ name: 'http', port: 80, protocol: 'TCP' }]) =>
  svc(namespace, name, { type: 'ClusterIP', clusterIP: ips[0], clusterIPs: ips, ports });
const headless = (namespace: string, name: string, ports?: unknown[]) => svc(namespace, name, { clusterIP: 'None', clusterIPs: ['None'], ports });
const external = (namespace: string, name: string, externalName: string) => svc(namespace, name, { type: 'ExternalName', externalName });

interface Ep {
  ip: string;
  hostname?: string;
  ready?: boolean | null;
}
const slice = (namespace: string, service: string, addressType: string, endpoints: Ep[], ports: unknown[] | null = [{ name: 'http', port: 80, protocol: 'TCP' }]): KubeObject =>
  ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name: `${service}-${addressType}`, labels: { 'kubernetes.io/service-name': service } },
    addressType,
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], ...(e.hostname ? { hostname: e.hostname } : {}), conditions: e.ready === null ? {} : { ready: e.ready ?? true } })),
    ports,
  }) as unknown as KubeObject;

const SERVICES = [
  clusterIP('default', 'kubernetes', ['10.96.0.1'], [{ name: 'https', port: 443, protocol: 'TCP' }]),
  clusterIP('testns', 'svc1', ['10.0.0.1'], [{ name: 'http', port: 80, protocol: 'TCP' }, { name: '', port: 9000, protocol: 'UDP' }]),
  clusterIP('testns', 'svc2', ['10.0.0.2']),
  clusterIP('testns', 'svc6', ['1234:abcd::1']),
  clusterIP('testns', 'svc-dual-stack', ['10.0.0.3', '10::3']),
  headless('testns', 'hdls1', [{ name: 'http', port: 80, protocol: 'TCP' }]),
  headless('testns', 'hdlsprtls'),
  headless('testns', 'hdls-empty', [{ name: 'http', port: 80, protocol: 'TCP' }]),
  headless('testns', 'hdls-unready', [{ name: 'http', port: 80, protocol: 'TCP' }]),
  external('testns', 'external', 'ext.interwebs.test'),
  external('testns', 'external-to-service', 'svc1.testns.svc.cluster.local'),
  external('testns', 'ext-ip', '1.2.3.4'),
];

const SLICES = [
  slice('testns', 'hdls1', 'IPv4', [
    { ip: '172.0.0.2' },
    { ip: '172.0.0.3', ready: null },
    { ip: '172.0.0.4', hostname: 'dup-name' },
    { ip: '172.0.0.5', hostname: 'dup-name' },
    { ip: '172.0.0.9', ready: false },
  ], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  slice('testns', 'hdls1', 'IPv6', [{ ip: '5678:abcd::1' }, { ip: '5678:abcd::2' }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  slice('testns', 'hdlsprtls', 'IPv4', [{ ip: '172.0.0.20' }], null),
  slice('testns', 'hdls-empty', 'IPv4', [], null),
  slice('testns', 'hdls-unready', 'IPv4', [{ ip: '172.0.0.30', ready: false }]),
  slice('testns', 'svc1', 'IPv4', [{ ip: '10.244.1.5' }, { ip: '99.0.0.10', hostname: 'double-ep' }]),
  slice('testns', 'svc2', 'IPv4', [{ ip: '99.0.0.10', hostname: 'double-ep' }]),
  slice('default', 'kubernetes', 'IPv4', [{ ip: '172.18.0.2' }], [{ name: 'https', port: 6443, protocol: 'TCP' }]),
];

const NAMESPACES = new Set(['default', 'kube-system', 'testns']);

const view: DnsView = {
  namespaceExists: (ns) => NAMESPACES.has(ns),
  service: (ns, name) => SERVICES.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
  services: () => SERVICES,
  endpointSlices: (ns, service) => SLICES.filter((s) => s.metadata.namespace === ns && s.metadata.labels!['kubernetes.io/service-name'] === service),
  allEndpointSlices: () => SLICES,
  serial: () => SERIAL,
};

const q = (name: string, type: number) => resolve(view, name, type);
const data = (rrs: ResourceRecord[]) => rrs.map((r) => r.data);
const SOA = {
  name: 'cluster.local', type: TYPE.SOA, class: 1, ttl: 30,
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: SERIAL, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
};

const expectNxdomain = (name: string, type: number = TYPE.A) => {
  const a = q(name, type);
  expect(a, name).toMatchObject({ rcode: RCODE.NXDOMAIN, authoritative: true, answers: [], authority: [SOA] });
  expect(a.why).toBeTruthy();
};
const expectNodata = (name: string, type: number) => {
  expect(q(name, type), `${name} ${type}`).toMatchObject({ rcode: RCODE.NOERROR, authoritative: true, answers: [], authority: [SOA] });
};

describe('the NXDOMAIN / NODATA table', () => {
  it('existing name, type has data: NOERROR with answers, aa, TTL 30', () => {
    expect(q('svc1.testns.svc.cluster.local', TYPE.A)).toEqual({
      rcode: RCODE.NOERROR, authoritative: true, authority: [], additional: [],
      answers: [{ name: 'svc1.testns.svc.cluster.local', type: TYPE.A, class: 1, ttl: 30, data: '10.0.0.1' }],
    });
  });

  it('AAAA on an IPv4-only service and A on an IPv6-only one: NODATA with the zone SOA', () => {
    expectNodata('svc1.testns.svc.cluster.local', TYPE.AAAA);
    expectNodata('svc6.testns.svc.cluster.local', TYPE.A);
  });

  it('existing name, other type (TXT, MX, ANY, HINFO, CNAME, PTR, SOA and NS below the apex): NODATA', () => {
    for (const t of [TYPE.TXT, TYPE.MX, TYPE.ANY, TYPE.HINFO, TYPE.CNAME, TYPE.PTR, TYPE.SOA, TYPE.NS, TYPE.CAA]) expectNodata('svc1.testns.svc.cluster.local', t);
  });

  it('the zone apex answers SOA and NS (with glue)', () => {
    expect(q('cluster.local', TYPE.SOA)).toMatchObject({ rcode: 0, authoritative: true, answers: [SOA], authority: [] });
    const ns = q('cluster.local', TYPE.NS);
    expect(ns.answers).toEqual([{ name: 'cluster.local', type: TYPE.NS, class: 1, ttl: 30, data: 'ns.dns.cluster.local' }]);
    expect(ns.additional).toEqual([{ name: 'ns.dns.cluster.local', type: TYPE.A, class: 1, ttl: 30, data: '10.96.0.10' }]);
    expect(data(q('ns.dns.cluster.local', TYPE.A).answers)).toEqual(['10.96.0.10']);
    expectNodata('cluster.local', TYPE.A);
  });

  it('svc.<zone>, pod.<zone>, <existing-ns>.svc.<zone>, <existing-ns>.pod.<zone>: NODATA', () => {
    for (const n of ['svc.cluster.local', 'pod.cluster.local', 'testns.svc.cluster.local', 'testns.pod.cluster.local']) expectNodata(n, TYPE.A);
  });

  it('a missing namespace, or any name inside one: NXDOMAIN', () => {
    expectNxdomain('nons.svc.cluster.local');
    expectNxdomain('svc1.nons.svc.cluster.local');
    expectNxdomain('_http._tcp.svc1.nons.svc.cluster.local', TYPE.SRV);
    expectNxdomain('1-2-3-4.nons.pod.cluster.local');
    expect(q('svc1.nons.svc.cluster.local', TYPE.A).why).toBe('namespace "nons" does not exist');
  });

  it('a service that does not exist: NXDOMAIN, also for other types', () => {
    expectNxdomain('nope.testns.svc.cluster.local');
    expectNxdomain('nope.testns.svc.cluster.local', TYPE.AAAA);
    expectNxdomain('nope.testns.svc.cluster.local', TYPE.MX);
    expectNxdomain('nope.testns.svc.cluster.local', TYPE.SRV);
    expect(q('nope.testns.svc.cluster.local', TYPE.A).why).toBe('no service "nope" in namespace "testns"');
  });

  it('a headless service with zero ready endpoints (none, or only unready ones): NXDOMAIN', () => {
    expectNxdomain('hdls-empty.testns.svc.cluster.local');
    expectNxdomain('hdls-unready.testns.svc.cluster.local');
    expect(q('hdls-unready.testns.svc.cluster.local', TYPE.A).why).toBe('headless service "hdls-unready" has no ready endpoints');
  });

  it('an endpoint label that matches no endpoint: NXDOMAIN', () => {
    expectNxdomain('bogusendpoint.hdls1.testns.svc.cluster.local');
    expectNxdomain('172-0-0-9.hdls1.testns.svc.cluster.local'); // not ready
  });

  it('SRV with a port or protocol the service does not define: NXDOMAIN', () => {
    expectNxdomain('_nope._tcp.svc1.testns.svc.cluster.local', TYPE.SRV);
    expectNxdomain('_http._udp.svc1.testns.svc.cluster.local', TYPE.SRV);
    expectNxdomain('_http._tcp.hdlsprtls.testns.svc.cluster.local', TYPE.SRV);
  });

  it('a second-level label other than svc/pod, and too many labels: NXDOMAIN', () => {
    expectNxdomain('foo.cluster.local');
    expectNxdomain('svc1.testns.foo.cluster.local');
    expectNxdomain('a.b.c.svc1.testns.svc.cluster.local');
    expect(q('a.b.c.svc1.testns.svc.cluster.local', TYPE.A).why).toBe('too many labels');
  });

  it('AXFR and IXFR: REFUSED', () => {
    for (const t of [TYPE.AXFR, TYPE.IXFR]) expect(q('cluster.local', t)).toMatchObject({ rcode: RCODE.REFUSED, answers: [], authority: [] });
  });

  it('a ClusterIP service without ready endpoints still resolves to its cluster IP', () => {
    expect(data(q('svc-dual-stack.testns.svc.cluster.local', TYPE.A).answers)).toEqual(['10.0.0.3']);
  });
});

describe('records', () => {
  it('dns-version TXT "1.1.0" with TTL 28800; TXT on other names is NODATA', () => {
    expect(q('dns-version.cluster.local', TYPE.TXT).answers).toEqual([{ name: 'dns-version.cluster.local', type: TYPE.TXT, class: 1, ttl: 28800, data: ['1.1.0'] }]);
    expectNxdomain('dns-version.cluster.local', TYPE.A);
    // CoreDNS's TXT branch answers only dns-version and never says NXDOMAIN.
    expectNodata('nope.testns.svc.cluster.local', TYPE.TXT);
  });

  it('AAAA for IPv6 cluster IPs; dual stack gives one of each', () => {
    expect(data(q('svc6.testns.svc.cluster.local', TYPE.AAAA).answers)).toEqual(['1234:abcd::1']);
    expect(data(q('svc-dual-stack.testns.svc.cluster.local', TYPE.AAAA).answers)).toEqual(['10::3']);
  });

  it('SRV for a named port: priority 0, weight 100, the service port, the service name; its address in additional', () => {
    const a = q('_http._tcp.svc1.testns.svc.cluster.local', TYPE.SRV);
    expect(a.answers).toEqual([{ name: '_http._tcp.svc1.testns.svc.cluster.local', type: TYPE.SRV, class: 1, ttl: 30, data: { priority: 0, weight: 100, port: 80, target: 'svc1.testns.svc.cluster.local' } }]);
    expect(a.additional).toEqual([{ name: 'svc1.testns.svc.cluster.local', type: TYPE.A, class: 1, ttl: 30, data: '10.0.0.1' }]);
  });

  it('SRV without port labels lists every port, unnamed ones included', () => {
    const a = q('svc1.testns.svc.cluster.local', TYPE.SRV);
    expect(data(a.answers)).toEqual([
      { priority: 0, weight: 50, port: 80, target: 'svc1.testns.svc.cluster.local' },
      { priority: 0, weight: 50, port: 9000, target: 'svc1.testns.svc.cluster.local' },
    ]);
    expect(a.additional).toHaveLength(1);
  });

  it('SRV on dual stack: one RR with weight 50, an A and an AAAA in additional', () => {
    const a = q('_http._tcp.svc-dual-stack.testns.svc.cluster.local', TYPE.SRV);
    expect(data(a.answers)).toEqual([{ priority: 0, weight: 50, port: 80, target: 'svc-dual-stack.testns.svc.cluster.local' }]);
    expect(a.additional.map((r) => [r.type, r.data])).toEqual([[TYPE.A, '10.0.0.3'], [TYPE.AAAA, '10::3']]);
  });

  it('a headless service: one A per ready IPv4 endpoint, AAAA per IPv6 one', () => {
    expect(data(q('hdls1.testns.svc.cluster.local', TYPE.A).answers)).toEqual(['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5']);
    expect(data(q('hdls1.testns.svc.cluster.local', TYPE.AAAA).answers)).toEqual(['5678:abcd::1', '5678:abcd::2']);
  });

  it('headless SRV: endpoint targets (hostname or dashed IP), target ports, weight floor(100/6), a duplicated hostname once', () => {
    const a = q('_http._tcp.hdls1.testns.svc.cluster.local', TYPE.SRV);
    expect(data(a.answers)).toEqual(
      ['172-0-0-2', '172-0-0-3', 'dup-name', '5678-abcd--1', '5678-abcd--2'].map((h) => ({ priority: 0, weight: 16, port: 8080, target: `${h}.hdls1.testns.svc.cluster.local` })),
    );
    expect(a.additional.map((r) => `${r.name} ${r.data}`)).toContain('dup-name.hdls1.testns.svc.cluster.local 172.0.0.5');
    expect(a.additional).toHaveLength(6);
  });

  it('per-endpoint names, for headless and ClusterIP services alike', () => {
    expect(data(q('dup-name.hdls1.testns.svc.cluster.local', TYPE.A).answers)).toEqual(['172.0.0.4', '172.0.0.5']);
    expect(data(q('172-0-0-2.hdls1.testns.svc.cluster.local', TYPE.A).answers)).toEqual(['172.0.0.2']);
    expect(data(q('5678-abcd--1.hdls1.testns.svc.cluster.local', TYPE.AAAA).answers)).toEqual(['5678:abcd::1']);
    expect(data(q('10-244-1-5.svc1.testns.svc.cluster.local', TYPE.A).answers)).toEqual(['10.244.1.5']);
  });

  it('a headless service without ports: addresses, and SRV without records (NODATA)', () => {
    expect(data(q('hdlsprtls.testns.svc.cluster.local', TYPE.A).answers)).toEqual(['172.0.0.20']);
    expectNodata('hdlsprtls.testns.svc.cluster.local', TYPE.SRV);
  });

  it('an A query with port labels answers the cluster IP (CoreDNS parses and matches them)', () => {
    expect(data(q('_http._tcp.svc1.testns.svc.cluster.local', TYPE.A).answers)).toEqual(['10.0.0.1']);
  });

  it('PTR: a cluster IP names its service', () => {
    expect(q('1.0.96.10.in-addr.arpa', TYPE.PTR).answers).toEqual([{ name: '1.0.96.10.in-addr.arpa', type: TYPE.PTR, class: 1, ttl: 30, data: 'kubernetes.default.svc.cluster.local' }]);
    const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa';
    expect(data(q(v6, TYPE.PTR).answers)).toEqual(['svc6.testns.svc.cluster.local']);
  });

  it('PTR: an endpoint IP names itself under each service it backs', () => {
    expect(data(q('10.0.0.99.in-addr.arpa', TYPE.PTR).answers)).toEqual(['double-ep.svc1.testns.svc.cluster.local', 'double-ep.svc2.testns.svc.cluster.local']);
    expect(data(q('5.1.244.10.in-addr.arpa', TYPE.PTR).answers)).toEqual(['10-244-1-5.svc1.testns.svc.cluster.local']);
    expect(data(q('2.0.18.172.in-addr.arpa', TYPE.PTR).answers)).toEqual(['172-18-0-2.kubernetes.default.svc.cluster.local']);
  });

  it('PTR for an unknown IP: what CoreDNS would forward, NXDOMAIN without authority', () => {
    expect(q('9.9.9.9.in-addr.arpa', TYPE.PTR)).toMatchObject({ rcode: RCODE.NXDOMAIN, authoritative: false, answers: [], authority: [] });
    expect(q('9.0.0.172.in-addr.arpa', TYPE.PTR).rcode).toBe(RCODE.NXDOMAIN); // an unready endpoint
  });

  it('ExternalName: a CNAME; A follows it inside the zone, and stands alone for a target outside', () => {
    expect(q('external.testns.svc.cluster.local', TYPE.CNAME).answers).toEqual([{ name: 'external.testns.svc.cluster.local', type: TYPE.CNAME, class: 1, ttl: 30, data: 'ext.interwebs.test' }]);
    expect(q('external.testns.svc.cluster.local', TYPE.A).answers.map((r) => [r.name, r.type, r.data])).toEqual([['external.testns.svc.cluster.local', TYPE.CNAME, 'ext.interwebs.test']]);
    expect(q('external-to-service.testns.svc.cluster.local', TYPE.A).answers.map((r) => [r.name, r.type, r.data])).toEqual([
      ['external-to-service.testns.svc.cluster.local', TYPE.CNAME, 'svc1.testns.svc.cluster.local'],
      ['svc1.testns.svc.cluster.local', TYPE.A, '10.0.0.1'],
    ]);
  });

  it('ExternalName: sub-names and IP-looking names are NXDOMAIN, SRV is NODATA', () => {
    expectNxdomain('endpoint.external.testns.svc.cluster.local', TYPE.CNAME);
    expectNxdomain('ext-ip.testns.svc.cluster.local');
    expectNodata('external.testns.svc.cluster.local', TYPE.SRV);
  });

  it('pod records (pods insecure): any dashed IP in an existing namespace', () => {
    expect(q('10-240-0-1.testns.pod.cluster.local', TYPE.A).answers).toEqual([{ name: '10-240-0-1.testns.pod.cluster.local', type: TYPE.A, class: 1, ttl: 30, data: '10.240.0.1' }]);
    expect(data(q('1234-abcd--1.testns.pod.cluster.local', TYPE.AAAA).answers)).toEqual(['1234:abcd::1']);
    expectNodata('10-240-0-1.testns.pod.cluster.local', TYPE.AAAA);
    expectNxdomain('blah.testns.pod.cluster.local');
    expectNxdomain('10-240-0-1.pod-nons.pod.cluster.local');
  });

  it('names match whatever their case; owner names keep the question’s case', () => {
    const a = q('SVC1.TestNS.svc.Cluster.Local', TYPE.A);
    expect(a.answers).toEqual([{ name: 'SVC1.TestNS.svc.Cluster.Local', type: TYPE.A, class: 1, ttl: 30, data: '10.0.0.1' }]);
    expect(q('Nope.testns.svc.Cluster.Local', TYPE.A).authority[0].name).toBe('Cluster.Local');
    expect(data(q('_HTTP._TCP.svc1.testns.svc.cluster.local.', TYPE.SRV).answers)).toHaveLength(1);
  });

  it('names outside cluster.local are never forwarded: NXDOMAIN, not authoritative', () => {
    for (const n of ['www.example.com', 'redis-master', 'localhost', '']) {
      expect(q(n, TYPE.A), n).toMatchObject({ rcode: RCODE.NXDOMAIN, authoritative: false, answers: [], authority: [] });
    }
    expect(q('www.example.com', TYPE.A).why).toMatch(/forwards nothing/);
  });
});

describe('a pod’s resolver (kubelet ClusterFirst + glibc)', () => {
  const conf = resolvConf('X');

  it('search path and ndots:5, dnsConfig merged', () => {
    expect(conf).toEqual({ search: ['X.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5 });
    expect(resolvConf('X', { searches: ['corp.test', 'svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] })).toEqual({
      search: ['X.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.test'],
      ndots: 2,
    });
  });

  it('fewer than 5 dots: the search list first, the name as is last', () => {
    expect(candidates('redis-master', conf)).toEqual(['redis-master.X.svc.cluster.local', 'redis-master.svc.cluster.local', 'redis-master.cluster.local', 'redis-master']);
    expect(candidates('kubernetes.default.svc.cluster.local', conf).at(-1)).toBe('kubernetes.default.svc.cluster.local');
  });

  it('5 dots or more: the name as is first; a trailing dot: only the name', () => {
    expect(candidates('a.b.c.d.e.f', conf)[0]).toBe('a.b.c.d.e.f');
    expect(candidates('a.b.c.d.e.f', conf)).toHaveLength(4);
    expect(candidates('kubernetes.default.svc.cluster.local.', conf)).toEqual(['kubernetes.default.svc.cluster.local']);
  });
});
