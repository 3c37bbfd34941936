// discovery.k8s.io/v1 EndpointSlice: SetDefaults_EndpointPort, ValidateEndpointSlice(Update) and
// printEndpointSlice. Its strategy sets metadata.generation (upstream also bumps it when only labels change).
import { duplicate, invalid, notSupported, required, tooMany, type FieldError } from '../apiserver/field-errors';
import { isDNS1123Label, isDNS1123Subdomain } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import {
  dnsLabelErrors,
  dnsSubdomainErrors,
  listWithMore,
  nonSpecialIPErrors,
  parseIP,
  protocolErrors,
  qualifiedNameErrors,
} from './endpoints';
import type { KubeObject, ResourceDef } from './types';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

/** IsFullyQualifiedDomainName: a subdomain of at least two labels, a trailing dot allowed. */
function fqdnErrors(address: string, field: string): FieldError[] {
  if (!address) return [required(field)];
  const name = address.replace(/\.$/, '');
  const msgs = isDNS1123Subdomain(name);
  if (msgs.length) return [invalid(field, name, msgs.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [invalid(field, name, 'should be a domain with at least two segments separated by dots')];
  const bad = labels.find((l) => isDNS1123Label(l).length);
  return bad === undefined ? [] : [invalid(field, bad, isDNS1123Label(bad).join(','))];
}

function addressErrors(addressType: string, address: string, field: string): FieldError[] {
  if (addressType === 'FQDN') return fqdnErrors(address, field);
  if (addressType !== 'IPv4' && addressType !== 'IPv6') return [];
  const size = addressType === 'IPv4' ? 4 : 16;
  const errs = parseIP(address)?.length === size ? [] : [invalid(field, address, `must be a valid ${addressType} address`)];
  return [...errs, ...nonSpecialIPErrors(address, field)];
}

function endpointErrors(ep: any, addressType: string, path: string): FieldError[] {
  const addresses: string[] = ep.addresses ?? [];
  const errs: FieldError[] = [];
  if (!addresses.length) errs.push(required(`${path}.addresses`, 'must contain at least 1 address'));
  else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(`${path}.addresses`, addresses.length, MAX_ADDRESSES));
  addresses.forEach((a, i) => errs.push(...addressErrors(addressType, a, `${path}.addresses[${i}]`)));
  if (ep.nodeName != null) errs.push(...dnsSubdomainErrors(ep.nodeName, `${path}.nodeName`));
  if (ep.hostname != null) errs.push(...dnsLabelErrors(ep.hostname, `${path}.hostname`));
  return errs;
}

function portErrors(ports: any[]): FieldError[] {
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const names = new Set<string>();
  return ports.flatMap((p, i) => {
    const path = `ports[${i}]`;
    const name: string = p.name ?? '';
    const errs = name ? dnsLabelErrors(name, `${path}.name`) : [];
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    names.add(name);
    errs.push(...protocolErrors(p.protocol, `${path}.protocol`));
    if (p.appProtocol != null) errs.push(...qualifiedNameErrors(p.appProtocol, `${path}.appProtocol`));
    return errs;
  });
}

function validate(obj: KubeObject): FieldError[] {
  const type: string = obj.addressType ?? '';
  const errs: FieldError[] = [];
  if (!type) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(notSupported('addressType', type, ADDRESS_TYPES));
  const endpoints: any[] = obj.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  else endpoints.forEach((ep, i) => errs.push(...endpointErrors(ep, type, `endpoints[${i}]`)));
  return [...errs, ...portErrors(obj.ports ?? [])];
}

/** Ports cell: the number, else the name, else "*" (a nil port means all ports). */
const portsCell = (o: KubeObject) => listWithMore((o.ports ?? []).map((p: any) => (p.port != null ? String(p.port) : (p.name ?? '*'))), '<unset>');
/** Endpoints cell: every address, ready or not. */
const endpointsCell = (o: KubeObject) => listWithMore((o.endpoints ?? []).flatMap((e: any) => e.addresses ?? []), '<unset>');

export const endpointslices: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  nameRule: 'subdomain',
  generation: true,
  defaults: (obj) => {
    for (const p of obj.ports ?? []) {
      p.name ??= '';
      p.protocol ??= 'TCP';
    }
  },
  validate,
  validateUpdate: (obj, old) => [
    ...validate(obj),
    ...(obj.addressType === old.addressType ? [] : [invalid('addressType', obj.addressType ?? '', 'field is immutable')]),
  ],
  columns: [
    nameColumn,
    {
      name: 'AddressType',
      type: 'string',
      description:
        'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
      cell: (o) => o.addressType ?? '',
    },
    {
      name: 'Ports',
      type: 'string',
      description:
        'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
      cell: portsCell,
    },
    {
      name: 'Endpoints',
      type: 'string',
      description: 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.',
      cell: endpointsCell,
    },
    ageColumn,
  ],
};
