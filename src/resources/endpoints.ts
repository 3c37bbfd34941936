// core/v1 Endpoints (pkg/registry/core/endpoint, ValidateEndpoints, printEndpoints), plus the port, protocol
// and IP checks that Services, EndpointSlices and pod specs share with it.
import { invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { KubeObject, ResourceDef } from './types';
import { parseIPv4, parseIPv6 } from '../network/ip';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** IsValidPortName: an IANA service name. */
export function portNameMessages(name: string): string[] {
  const msgs: string[] = [];
  if (name.length > 15) msgs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) msgs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) msgs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) msgs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) msgs.push('must not begin or end with a hyphen');
  return msgs;
}

/** IsValidPortNum as a field error list. */
export function portNumberErrors(port: unknown, field: string): FieldError[] {
  const p = port ?? 0;
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535 ? [] : [invalid(field, p, 'must be between 1 and 65535, inclusive')];
}

/** ValidatePortNumOrName: a port number, or the name of a container port. */
export function portNumOrNameErrors(port: unknown, field: string): FieldError[] {
  return typeof port === 'string' ? messagesAt(field, port, portNameMessages(port)) : portNumberErrors(port, field);
}

export function protocolErrors(protocol: string | undefined, field: string): FieldError[] {
  if (!protocol) return [required(field)];
  return PROTOCOLS.includes(protocol) ? [] : [notSupported(field, protocol, PROTOCOLS)];
}

/** Field errors for a list of messages about one value (the `for _, msg := range IsX(v)` idiom). */
export const messagesAt = (field: string, value: unknown, messages: string[]): FieldError[] => messages.map((m) => invalid(field, value, m));

export const dnsLabelErrors = (value: string, field: string) => messagesAt(field, value, isDNS1123Label(value));
export const dnsSubdomainErrors = (value: string, field: string) => messagesAt(field, value, isDNS1123Subdomain(value));
export const qualifiedNameErrors = (value: string, field: string) => messagesAt(field, value, isQualifiedName(value));

// ---- IP addresses (netutils.ParseIPSloppy: IPv4 fields may carry leading zeros) ----

/** The address as 4 bytes (IPv4, also when written IPv4-mapped) or 16 bytes; undefined if it does not parse. */
export function parseIP(s: string): Uint8Array | undefined {
  if (!s.includes(':')) return parseIPv4(s, { sloppy: true });
  const b = parseIPv6(s, { sloppy: true });
  if (b && b.slice(0, 10).every((x) => x === 0) && b[10] === 255 && b[11] === 255) return b.slice(12);
  return b;
}

export const isIPv6 = (s: string) => parseIP(s)?.length === 16;

export function ipErrors(value: string, field: string): FieldError[] {
  return parseIP(value) ? [] : [invalid(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

export function cidrErrors(value: string, field: string): FieldError[] {
  const [ip, bits, extra] = value.split('/');
  const b = parseIP(ip ?? '');
  const ok = b && extra === undefined && /^\d+$/.test(bits ?? '') && Number(bits) <= (ip.includes(':') ? 128 : 32);
  return ok ? [] : [invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

/** ValidateNonSpecialIP: endpoint and external IPs may not be unspecified, loopback or link-local. */
export function nonSpecialIPErrors(value: string, field: string): FieldError[] {
  const b = parseIP(value);
  if (!b) return [invalid(field, value, 'must be a valid IP address')];
  const v4 = b.length === 4;
  const errs: FieldError[] = [];
  if (b.every((x) => x === 0)) errs.push(invalid(field, value, `may not be unspecified (${value})`));
  if (v4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1) {
    errs.push(invalid(field, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  }
  if (v4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80) {
    errs.push(invalid(field, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if (v4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02) {
    errs.push(invalid(field, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/** net.JoinHostPort */
export const joinHostPort = (host: string, port: number | string) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** "a,b,c + N more..." as the printers cut lists at three entries; `empty` when there is nothing. */
export function listWithMore(items: string[], empty: string): string {
  if (!items.length) return empty;
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

// ---- Endpoints ----

function validateAddress(addr: any, field: string): FieldError[] {
  const errs = ipErrors(addr.ip ?? '', `${field}.ip`);
  if (addr.hostname) errs.push(...dnsLabelErrors(addr.hostname, `${field}.hostname`));
  if (addr.nodeName != null) errs.push(...dnsSubdomainErrors(addr.nodeName, `${field}.nodeName`));
  return [...errs, ...nonSpecialIPErrors(addr.ip ?? '', `${field}.ip`)];
}

function validatePort(port: any, requireName: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !port.name) errs.push(required(`${field}.name`));
  else if (port.name) errs.push(...dnsLabelErrors(port.name, `${field}.name`));
  errs.push(...portNumberErrors(port.port, `${field}.port`), ...protocolErrors(port.protocol, `${field}.protocol`));
  if (port.appProtocol != null) errs.push(...qualifiedNameErrors(port.appProtocol, `${field}.appProtocol`));
  return errs;
}

function validateSubsets(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  (obj.subsets ?? []).forEach((ss: any, i: number) => {
    const path = `subsets[${i}]`;
    const addresses: any[] = ss.addresses ?? [];
    const notReady: any[] = ss.notReadyAddresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (!addresses.length && !notReady.length) errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errs.push(...validateAddress(a, `${path}.addresses[${j}]`)));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, `${path}.notReadyAddresses[${j}]`)));
    ports.forEach((p, j) => errs.push(...validatePort(p, ports.length > 1, `${path}.ports[${j}]`)));
  });
  return errs;
}

/** formatEndpoints: ready addresses only, ip:port per (port × address), bare IPs for portless subsets. */
export function formatEndpoints(obj: KubeObject): string {
  const subsets: any[] = obj.subsets ?? [];
  if (!subsets.length) return '<none>';
  const list: string[] = [];
  for (const ss of subsets) {
    const ips: string[] = (ss.addresses ?? []).map((a: any) => a.ip ?? '');
    const ports: any[] = ss.ports ?? [];
    if (!ports.length) list.push(...ips);
    else for (const p of ports) list.push(...ips.map((ip) => joinHostPort(ip, p.port ?? 0)));
  }
  return listWithMore(list, '');
}

const SUBSETS_DESCRIPTION =
  'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.';

export const endpoints: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  nameRule: 'subdomain',
  generation: false,
  defaults: (obj) => {
    for (const ss of obj.subsets ?? []) for (const p of ss.ports ?? []) p.protocol ||= 'TCP';
  },
  validate: validateSubsets,
  columns: [
    nameColumn,
    { name: 'Endpoints', type: 'string', description: SUBSETS_DESCRIPTION, cell: formatEndpoints },
    ageColumn,
  ],
  warning: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
};
