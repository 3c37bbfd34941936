// The Kubernetes DNS spec (schema 1.1.0) over a cluster's objects, answered as CoreDNS's `kubernetes`
// plugin does with the kubeadm Corefile (`pods insecure`, `ttl 30`, `fallthrough in-addr.arpa ip6.arpa`,
// then `forward`): a question name and type → rcode and sections. Pure: the cluster comes in as a view.
// A sandbox has no upstream resolver and never forwards: whatever CoreDNS would forward is NXDOMAIN.
import type { KubeObject } from '../resources/types';
import { addressFromReverse, canonicalIP, parseIPv4, parseIPv6 } from '../network/ip';
import { CLASS_IN, RCODE, TYPE, typeName, type ResourceRecord } from './wire';

export const ZONE = 'cluster.local';
const REVERSE_ZONES = ['in-addr.arpa', 'ip6.arpa'];
export const TTL = 30;
const DNS_VERSION_TTL = 28800;
export const SCHEMA_VERSION = '1.1.0';
/** What a pod's resolv.conf names as its nameserver (kubeadm: the 10th address of the service CIDR). */
export const NAMESERVER_IP = '10.96.0.10';
/** CoreDNS stops following CNAMEs after this many. */
const MAX_CNAME_CHAIN = 8;

/** What resolution reads from the cluster. */
export interface DnsView {
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): KubeObject | undefined;
  services(): KubeObject[];
  /** the EndpointSlices labelled `kubernetes.io/service-name: <service>` in the namespace */
  endpointSlices(namespace: string, service: string): KubeObject[];
  allEndpointSlices(): KubeObject[];
  /** SOA serial: Unix seconds of the last change CoreDNS would have seen */
  serial(): number;
}

export interface DnsAnswer {
  rcode: number;
  /** false only for what CoreDNS would have forwarded (and REFUSED) */
  authoritative: boolean;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** why the answer is negative, for people (the resolve API shows it) */
  why?: string;
}

/** One thing a name stands for: an address or a CNAME target, and the name it is known by (SRV target). */
interface Item {
  host: string;
  port: number;
  target: string;
  ttl: number;
  text?: string;
}

/** A lookup's result: items, or the name does not exist (`missing` says why). */
interface Found {
  items: Item[];
  missing?: string;
}

interface Request {
  view: DnsView;
  /** the question name as sent, without the trailing dot */
  qname: string;
  /** the zone as it appears at the end of qname (CoreDNS keeps the question's case) */
  zone: string;
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const isSubdomain = (name: string, zone: string) => eq(name, zone) || name.toLowerCase().endsWith('.' + zone.toLowerCase());
const ipFamily = (host: string) => (parseIPv4(host) ? 4 : parseIPv6(host) ? 6 : 0);

const rr = (name: string, type: number, ttl: number, data: ResourceRecord['data']): ResourceRecord => ({ name, type, class: CLASS_IN, ttl, data });

function soa(req: Request): ResourceRecord {
  return rr(req.zone, TYPE.SOA, Math.min(TTL, 300), {
    mname: `ns.dns.${req.zone}`,
    rname: `hostmaster.${req.zone}`,
    serial: req.view.serial() >>> 0,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: TTL,
  });
}

// ---------------------------------------------------------------- parsing the name (CoreDNS parse.go)

interface Parsed {
  podOrSvc: '' | 'svc' | 'pod';
  namespace: string;
  service: string;
  endpoint: string;
  port: string;
  protocol: string;
}

const stripUnderscore = (s: string) => (s.startsWith('_') ? s.slice(1) : s);

function parseRequest(name: string, zone: string): Parsed | string {
  const r: Parsed = { podOrSvc: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' };
  const base = name.toLowerCase().slice(0, Math.max(0, name.length - zone.length - 1));
  if (base === '' || base === 'svc' || base === 'pod') return r;
  const segs = base.split('.');
  let last = segs.length - 1;
  const kind = segs[last];
  if (kind !== 'svc' && kind !== 'pod') return `"${kind}" is neither svc nor pod`;
  r.podOrSvc = kind;
  if (--last < 0) return r;
  r.namespace = segs[last];
  if (--last < 0) return r;
  r.service = segs[last];
  if (--last < 0) return r;
  if (last === 0) r.endpoint = segs[0];
  else if (last === 1) [r.port, r.protocol] = [stripUnderscore(segs[0]), stripUnderscore(segs[1])];
  else return 'too many labels';
  return r;
}

// ---------------------------------------------------------------- services, endpoints, pods (CoreDNS kubernetes.go)

const matchPortAndProtocol = (aPort: string, bPort: string, aProto: string, bProto: string) =>
  (aPort === '' || eq(aPort, bPort)) && (aProto === '' || eq(aProto, bProto));

/** CoreDNS endpointHostname: the slice's hostname, else the dashed IP (IPv6: a trailing `-` gets a `0`). */
function endpointHostname(ip: string, hostname: string | undefined): string {
  if (hostname) return hostname;
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  const dashed = ip.replaceAll(':', '-');
  return dashed.endsWith('-') ? dashed + '0' : dashed;
}

interface ReadyAddress {
  ip: string;
  hostname: string;
  ports: { name: string; port: number; protocol: string }[];
}

/** The ready addresses of a service's EndpointSlices (ready unset counts as ready), ports as CoreDNS sees them. */
function readyAddresses(slices: KubeObject[]): ReadyAddress[] {
  const out: ReadyAddress[] = [];
  for (const s of slices as any[]) {
    if (s.addressType !== 'IPv4' && s.addressType !== 'IPv6') continue;
    // A slice without ports gets CoreDNS's sentinel port -1: address records, no SRV.
    const ports = s.ports?.length
      ? s.ports.map((p: any) => ({ name: p.name ?? '', port: p.port ?? -1, protocol: p.protocol ?? 'TCP' }))
      : [{ name: '', port: -1, protocol: '' }];
    for (const ep of s.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) out.push({ ip, hostname: endpointHostname(ip, ep.hostname), ports });
    }
  }
  return out;
}

function findServices(req: Request, r: Parsed): Found {
  if (r.service === '') return { items: [] };
  const svc = req.view.service(r.namespace, r.service) as any;
  if (!svc) return { items: [], missing: `no service "${r.service}" in namespace "${r.namespace}"` };
  const spec = svc.spec ?? {};
  const name = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${req.zone}`;
  if (spec.type === 'ExternalName') {
    if (r.endpoint) return { items: [], missing: `ExternalName service "${r.service}" has no endpoint names` };
    const host = String(spec.externalName ?? '').replace(/\.$/, '');
    if (!host || canonicalIP(host)) return { items: [], missing: `externalName "${host}" of service "${r.service}" is not a DNS name` };
    return { items: [{ host, port: 0, target: name, ttl: TTL }] };
  }
  const items: Item[] = [];
  const headless = spec.clusterIP === 'None';
  if (headless || r.endpoint) {
    for (const a of readyAddresses(req.view.endpointSlices(svc.metadata.namespace, svc.metadata.name))) {
      if (r.endpoint && !eq(r.endpoint, a.hostname)) continue;
      for (const p of a.ports) {
        if (!matchPortAndProtocol(r.port, p.name, r.protocol, p.protocol)) continue;
        items.push({ host: a.ip, port: p.port, target: `${a.hostname}.${name}`, ttl: TTL });
      }
    }
    if (items.length) return { items };
    if (r.endpoint) return { items, missing: `service "${r.service}" has no ready endpoint named "${r.endpoint}"` };
    if (r.port || r.protocol) return { items, missing: `no ready endpoint of service "${r.service}" has port ${portLabel(r)}` };
    return { items, missing: `headless service "${r.service}" has no ready endpoints` };
  }
  let matched = false;
  const ips: string[] = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  for (const p of spec.ports ?? []) {
    if (!matchPortAndProtocol(r.port, p.name ?? '', r.protocol, p.protocol ?? 'TCP')) continue;
    matched = true;
    for (const ip of ips) items.push({ host: ip, port: p.port, target: name, ttl: TTL });
  }
  return matched ? { items } : { items, missing: `service "${r.service}" has no port ${portLabel(r)}` };
}

const portLabel = (r: Parsed) => `${r.port ? `"${r.port}"` : '*'}/${r.protocol || '*'}`;

/** `pods insecure`: any well-formed dashed IP answers, the namespace must exist. */
function findPods(req: Request, r: Parsed): Found {
  const podName = r.service;
  if (podName === '') return { items: [] };
  const dotted = (podName.match(/-/g)?.length ?? 0) === 3 && !podName.includes('--');
  const ip = canonicalIP(dotted ? podName.replaceAll('-', '.') : podName.replaceAll('-', ':'));
  if (!ip) return { items: [], missing: `"${podName}" is not a dashed IP address` };
  return { items: [{ host: ip, port: 0, target: `${podName}.${r.namespace}.pod.${req.zone}`, ttl: TTL }] };
}

/** CoreDNS Records(): the items a name in the cluster zone stands for. */
function records(req: Request, name: string): Found {
  const r = parseRequest(name, req.zone);
  if (typeof r === 'string') return { items: [], missing: r };
  if (r.podOrSvc === '') return { items: [] };
  if (!req.view.namespaceExists(r.namespace)) return { items: [], missing: `namespace "${r.namespace}" does not exist` };
  return r.podOrSvc === 'pod' ? findPods(req, r) : findServices(req, r);
}

/** CoreDNS Services(): Records() plus the special names (dns-version, ns.dns) and the SRV filter. */
function services(req: Request, name: string, qtype: number): Found {
  const rel = name.toLowerCase().slice(0, Math.max(0, name.length - req.zone.length - 1));
  if (qtype === TYPE.TXT) {
    return rel === 'dns-version' ? { items: [{ host: '', port: 0, target: name, ttl: DNS_VERSION_TTL, text: SCHEMA_VERSION }] } : { items: [] };
  }
  if (qtype === TYPE.NS) return { items: [{ host: NAMESERVER_IP, port: 0, target: `ns.dns.${req.zone}`, ttl: TTL }] };
  if (rel === 'ns.dns') return { items: qtype === TYPE.A ? [{ host: NAMESERVER_IP, port: 0, target: name, ttl: TTL }] : [] };
  const found = records(req, name);
  // ExternalName services have no SRV records.
  if (qtype === TYPE.SRV) found.items = found.items.filter((i) => ipFamily(i.host));
  return found;
}

// ---------------------------------------------------------------- per type (CoreDNS backend_lookup.go)

/** A/AAAA, following CNAMEs inside the zone; an outside target cannot be resolved here, so the CNAME stands alone. */
function address(req: Request, name: string, qtype: number, chain: ResourceRecord[]): Found & { records: ResourceRecord[] } {
  const found = services(req, name, qtype);
  const records: ResourceRecord[] = [];
  if (found.missing) return { ...found, records };
  const seen = new Set<string>();
  const family = qtype === TYPE.A ? 4 : 6;
  for (const item of found.items) {
    const f = ipFamily(item.host);
    if (f === family && !seen.has(item.host)) {
      seen.add(item.host);
      records.push(rr(name, qtype, item.ttl, item.host));
    }
    if (f !== 0) continue;
    if (eq(item.host, name) || chain.length >= MAX_CNAME_CHAIN) continue;
    const cname = rr(name, TYPE.CNAME, item.ttl, item.host);
    if (chain.some((c) => eq(c.name, cname.name) && eq(c.data as string, item.host))) continue;
    if (isSubdomain(item.host, req.zone)) {
      const next = address(req, item.host, qtype, [...chain, cname]);
      if (!next.missing && next.records.length) records.push(cname, ...next.records);
    } else {
      records.push(cname);
    }
  }
  return { ...found, records };
}

function srv(req: Request): Found & { records: ResourceRecord[]; extra: ResourceRecord[] } {
  const found = services(req, req.qname, TYPE.SRV);
  const records: ResourceRecord[] = [];
  const extra: ResourceRecord[] = [];
  // Every candidate counts towards the weight, even those dropped below as duplicates or port -1.
  const weight = Math.max(1, Math.floor(100 / Math.max(1, found.items.length)));
  const dup = new Set<string>();
  for (const item of found.items) {
    if (item.port === -1) continue;
    const target = item.target.toLowerCase();
    if (!dup.has(`${target}|${item.port}`)) {
      dup.add(`${target}|${item.port}`);
      records.push(rr(req.qname, TYPE.SRV, item.ttl, { priority: 0, weight, port: item.port, target: item.target }));
    }
    if (!dup.has(`${target}|@${item.host}`)) {
      dup.add(`${target}|@${item.host}`);
      extra.push(rr(item.target, ipFamily(item.host) === 4 ? TYPE.A : TYPE.AAAA, item.ttl, item.host));
    }
  }
  return { ...found, records, extra };
}

/** PTR: a cluster IP names its service (first match wins), else each ready endpoint with that IP names itself. */
function ptr(req: Request): Found & { records: ResourceRecord[] } {
  const ip = addressFromReverse(req.qname);
  if (!ip) {
    const found = isSubdomain(req.qname, ZONE) ? records(req, req.qname) : { items: [], missing: 'not a reverse name of an IP address' };
    return { ...found, records: [] };
  }
  const hosts: string[] = [];
  for (const svc of req.view.services() as any[]) {
    const ips: string[] = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
    if (ips.some((x) => canonicalIP(x) === ip)) {
      hosts.push(`${svc.metadata.name}.${svc.metadata.namespace}.svc.${ZONE}`);
      break;
    }
  }
  if (!hosts.length) {
    for (const slice of req.view.allEndpointSlices()) {
      const service = slice.metadata.labels?.['kubernetes.io/service-name'];
      if (!service) continue;
      for (const a of readyAddresses([slice])) {
        if (canonicalIP(a.ip) === ip) hosts.push(`${a.hostname}.${service}.${slice.metadata.namespace}.svc.${ZONE}`);
      }
    }
  }
  const unique = [...new Set(hosts)];
  if (!unique.length) return { items: [], missing: `no service or ready endpoint has the IP ${ip}`, records: [] };
  return { items: [], records: unique.map((h) => rr(req.qname, TYPE.PTR, TTL, h)) };
}

// ---------------------------------------------------------------- the handler (CoreDNS handler.go)

const matchZone = (name: string) => [ZONE, ...REVERSE_ZONES].find((z) => isSubdomain(name, z));

/** What CoreDNS would hand to `forward`: there is no upstream in a sandbox, so the name does not exist. */
const notForwarded = (why: string): DnsAnswer => ({ rcode: RCODE.NXDOMAIN, authoritative: false, answers: [], authority: [], additional: [], why });

/** Answers one question. `qname` as sent (trailing dot optional); matching ignores case, owner names keep it. */
export function resolve(view: DnsView, qname: string, qtype: number): DnsAnswer {
  const name = qname.replace(/\.$/, '');
  const zoneName = matchZone(name);
  if (!zoneName) return notForwarded(`"${name}" is outside ${ZONE}; this sandbox has no upstream resolver and forwards nothing`);
  const req: Request = { view, qname: name, zone: name.slice(name.length - zoneName.length) };
  const reverse = zoneName !== ZONE;
  if (qtype === TYPE.AXFR || qtype === TYPE.IXFR) {
    return { rcode: RCODE.REFUSED, authoritative: false, answers: [], authority: [], additional: [], why: 'zone transfers are refused' };
  }
  const apex = eq(name, req.zone);
  let found: Found;
  let answers: ResourceRecord[] = [];
  let additional: ResourceRecord[] = [];
  switch (qtype) {
    case TYPE.A:
    case TYPE.AAAA: {
      const r = address(req, name, qtype, []);
      [found, answers] = [r, r.records];
      break;
    }
    case TYPE.TXT:
      found = services(req, name, qtype);
      answers = found.items.map((i) => rr(name, TYPE.TXT, i.ttl, [i.text!]));
      break;
    case TYPE.CNAME:
      found = services(req, name, qtype);
      if (found.items.length && !ipFamily(found.items[0].host)) answers = [rr(name, TYPE.CNAME, found.items[0].ttl, found.items[0].host)];
      break;
    case TYPE.PTR: {
      const r = ptr(req);
      [found, answers] = [r, r.records];
      break;
    }
    case TYPE.SRV: {
      const r = srv(req);
      [found, answers, additional] = [r, r.records, r.extra];
      break;
    }
    case TYPE.SOA:
      found = { items: [] };
      if (apex) answers = [soa(req)];
      break;
    case TYPE.NS:
      if (apex) {
        found = services(req, name, qtype);
        answers = found.items.map((i) => rr(name, TYPE.NS, i.ttl, i.target));
        additional = found.items.map((i) => rr(i.target, TYPE.A, i.ttl, i.host));
        break;
      }
    // falls through: NS below the apex is decided like any other type
    default:
      // CoreDNS does a fake A lookup to tell NODATA from NXDOMAIN.
      found = services(req, name, TYPE.A);
  }
  if (found.missing) {
    // kubeadm's `fallthrough in-addr.arpa ip6.arpa` hands unknown reverse names to `forward`.
    if (reverse) return notForwarded(found.missing);
    return { rcode: RCODE.NXDOMAIN, authoritative: true, answers: [], authority: [soa(req)], additional: [], why: found.missing };
  }
  if (!answers.length) {
    return { rcode: RCODE.NOERROR, authoritative: true, answers: [], authority: [soa(req)], additional: [], why: `"${name}" exists but has no ${typeName(qtype)} records` };
  }
  return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: [], additional };
}
