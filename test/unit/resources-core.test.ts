import { patchMetaOf } from '../../src/apiserver/patch-meta';
import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/apiserver/field-errors';
import { configmaps } from '../../src/resources/configmaps';
import { endpoints } from '../../src/resources/endpoints';
import { endpointslices } from '../../src/resources/endpointslices';
import { events } from '../../src/resources/events';
import { eventsV1 } from '../../src/resources/events-v1';
import { limitranges } from '../../src/resources/limitranges';
import { namespaces } from '../../src/resources/namespaces';
import { nodes } from '../../src/resources/nodes';
import { resourcequotas } from '../../src/resources/resourcequotas';
import { secrets } from '../../src/resources/secrets';
import { serviceaccounts } from '../../src/resources/serviceaccounts';
import { services } from '../../src/resources/services';
import type { KubeObject, ResourceDef } from '../../src/resources/types';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const FIVE_MIN_AGO = '2026-01-01T11:55:00Z';
const CTX = { now: '2026-01-01T12:00:00Z' };

const obj = (fields: Record<string, any>, name = 'x', namespace: string | undefined = 'default'): KubeObject => ({
  metadata: { name, namespace, creationTimestamp: FIVE_MIN_AGO },
  ...fields,
});

/** The cells a Table row carries, keyed by column name. */
function row(def: ResourceDef, o: KubeObject): Record<string, unknown> {
  return Object.fromEntries(def.columns!.map((c) => [c.name, c.cell(o, NOW)]));
}

const messages = (errs: FieldError[] | undefined) => (errs ?? []).map((e) => `${e.field}: ${e.body}`);

/** What a create sees after defaulting and PrepareForCreate. */
function created(def: ResourceDef, o: KubeObject): KubeObject {
  def.defaults?.(o);
  def.prepareForCreate?.(o, CTX);
  return o;
}

const DNS_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('namespaces', () => {
  it('labels with the name, starts Active with the kubernetes finalizer', () => {
    const ns = created(namespaces, obj({}, 'team-a', undefined));
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(ns.status).toEqual({ phase: 'Active' });
    const other = created(namespaces, obj({ spec: { finalizers: ['example.com/x'] } }, 'b', undefined));
    expect(other.spec.finalizers).toEqual(['example.com/x', 'kubernetes']);
  });

  it('keeps spec.finalizers from the stored object on update', () => {
    const old = obj({ spec: { finalizers: ['kubernetes'] } }, 'a', undefined);
    const next = obj({ spec: { finalizers: [] } }, 'a', undefined);
    namespaces.prepareForUpdate!(next, old);
    expect(next.spec.finalizers).toEqual(['kubernetes']);
  });

  it('rejects non-standard finalizer names', () => {
    expect(messages(namespaces.validate!(obj({ spec: { finalizers: ['foo'] } })))).toEqual([
      'spec.finalizers: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it('prints Name / Status / Age and selects on status.phase', () => {
    const ns = obj({ status: { phase: 'Terminating' } }, 'old', undefined);
    expect(row(namespaces, ns)).toEqual({ Name: 'old', Status: 'Terminating', Age: '5m' });
    expect(namespaces.fieldSelectors!['status.phase'](ns)).toBe('Terminating');
    expect(namespaces.shortNames).toEqual(['ns']);
    expect(namespaces.nameRule).toBe('label');
  });
});

describe('nodes', () => {
  const node = (extra: Record<string, any> = {}) =>
    obj(
      {
        spec: { unschedulable: true },
        status: {
          conditions: [
            { type: 'MemoryPressure', status: 'False' },
            { type: 'Ready', status: 'True' },
          ],
          addresses: [
            { type: 'Hostname', address: 'node-1' },
            { type: 'InternalIP', address: '172.18.0.2' },
          ],
          nodeInfo: { kubeletVersion: 'v1.35.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: '' },
        },
        ...extra,
      },
      'node-1',
      undefined,
    );

  it('prints status, roles and node info', () => {
    const n = node();
    n.metadata.labels = { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'infra' };
    expect(row(nodes, n)).toEqual({
      Name: 'node-1',
      Status: 'Ready,SchedulingDisabled',
      Roles: 'control-plane,infra,worker',
      Age: '5m',
      Version: 'v1.35.0',
      'Internal-IP': '172.18.0.2',
      'External-IP': '<none>',
      'OS-Image': 'Debian GNU/Linux 12 (bookworm)',
      'Kernel-Version': '6.1.0',
      'Container-Runtime': '<unknown>',
    });
  });

  it('prints NotReady, Unknown and <none> roles', () => {
    const notReady = obj({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, 'n', undefined);
    expect(row(nodes, notReady).Status).toBe('NotReady');
    expect(row(nodes, notReady).Roles).toBe('<none>');
    expect(row(nodes, obj({}, 'n', undefined)).Status).toBe('Unknown');
  });

  it('defaults allocatable from capacity and selects on spec.unschedulable', () => {
    const n = created(nodes, obj({ status: { capacity: { cpu: '4', pods: '110' } } }, 'n', undefined));
    expect(n.status.allocatable).toEqual({ cpu: '4', pods: '110' });
    expect(nodes.fieldSelectors!['spec.unschedulable'](node())).toBe('true');
    expect(nodes.fieldSelectors!['spec.unschedulable'](n)).toBe('false');
  });

  it('validates taints and capacity', () => {
    const n = obj(
      {
        spec: {
          taints: [
            { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
            { key: 'dedicated', value: 'other', effect: 'NoSchedule' },
            { key: 'x', effect: 'Sometimes' },
          ],
        },
        status: { capacity: { pods: '1500m', cpu: '-1' } },
      },
      'n',
      undefined,
    );
    expect(messages(nodes.validate!(n))).toEqual([
      'metadata.taints[1]: Duplicate value: {"Key":"dedicated","Value":"other","Effect":"NoSchedule","TimeAdded":null}: taints must be unique by key and effect pair',
      'metadata.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'status.capacity.pods: Invalid value: "1500m": must be an integer',
      'status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0',
    ]);
  });

  it('forbids changing podCIDRs and providerID once set', () => {
    const old = obj({ spec: { podCIDRs: ['10.244.1.0/24'], providerID: 'kind://a' } }, 'n', undefined);
    const next = obj({ spec: { podCIDRs: ['10.244.2.0/24'], providerID: 'kind://b' } }, 'n', undefined);
    expect(messages(nodes.validateUpdate!(next, old))).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
      'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
    ]);
  });
});

describe('services', () => {
  const svc = (spec: Record<string, any>, status?: Record<string, any>) => obj({ spec, ...(status ? { status } : {}) }, 'web');

  it('defaults a ClusterIP service as the API server returns it', () => {
    const s = created(services, svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }));
    expect(s.spec).toEqual({
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
    expect(s.status).toEqual({ loadBalancer: {} });
  });

  it('defaults NodePort, LoadBalancer, ClientIP affinity and headless services', () => {
    const lb = created(services, svc({ type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https' }] }));
    expect(lb.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true, internalTrafficPolicy: 'Cluster' });
    expect(lb.spec.ports[0].targetPort).toBe('https');
    const sticky = created(services, svc({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }));
    expect(sticky.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    const headless = created(services, svc({ clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] }));
    expect(headless.spec).toMatchObject({ clusterIPs: ['None'], ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] });
    const selectorless = created(services, svc({ clusterIP: 'None' }));
    expect(selectorless.spec).toMatchObject({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] });
    expect(services.validate!(selectorless)).toEqual([]);
    const external = created(services, svc({ type: 'ExternalName', externalName: 'example.com' }));
    expect(external.spec).toEqual({ type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' });
  });

  it('prints node ports, pending load balancers, headless and external names', () => {
    const np = svc({ type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { tier: 'web', app: 'x' }, ports: [{ port: 80, nodePort: 30001, protocol: 'TCP' }, { port: 443, nodePort: 30443, protocol: 'TCP' }] });
    expect(row(services, np)).toEqual({
      Name: 'web',
      Type: 'NodePort',
      'Cluster-IP': '10.96.0.20',
      'External-IP': '<none>',
      'Port(s)': '80:30001/TCP,443:30443/TCP',
      Age: '5m',
      Selector: 'app=x,tier=web',
    });
    const lb = svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.21'], ports: [{ port: 80, nodePort: 31234, protocol: 'TCP' }] }, { loadBalancer: {} });
    expect(row(services, lb)['External-IP']).toBe('<pending>');
    lb.status.loadBalancer.ingress = [{ ip: '172.18.255.201' }, { hostname: 'lb.example.com' }, { ip: '172.18.255.200' }];
    lb.spec.externalIPs = ['1.2.3.4'];
    expect(row(services, lb)['External-IP']).toBe('172.18.255.200,172.18.255.201,lb.example.com,1.2.3.4');
    const headless = svc({ type: 'ClusterIP', clusterIPs: ['None'], ports: [{ port: 5432, protocol: 'TCP' }] });
    expect(row(services, headless)).toMatchObject({ 'Cluster-IP': 'None', 'External-IP': '<none>', 'Port(s)': '5432/TCP', Selector: '<none>' });
    const ext = svc({ type: 'ExternalName', externalName: 'www.example.com' });
    expect(row(services, ext)).toMatchObject({ 'Cluster-IP': '<none>', 'External-IP': 'www.example.com', 'Port(s)': '<none>' });
  });

  it('validates ports', () => {
    const v = (spec: Record<string, any>) => messages(services.validate!(created(services, svc(spec))));
    expect(v({})).toEqual(['spec.ports: Required value']);
    expect(v({ ports: [{ port: 0 }] })).toEqual([
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]);
    expect(v({ ports: [{ port: 80 }, { name: 'HTTP', port: 443, protocol: 'HTTP' }] })).toEqual([
      'spec.ports[0].name: Required value',
      `spec.ports[1].name: Invalid value: "HTTP": ${DNS_LABEL_MSG}`,
      'spec.ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(v({ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 80 }] })).toEqual([
      'spec.ports[1].name: Duplicate value: "a"',
      'spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}',
    ]);
    expect(v({ ports: [{ port: 80, targetPort: 'Web--Port-Name' }] })).toEqual([
      'spec.ports[0].targetPort: Invalid value: "Web--Port-Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[0].targetPort: Invalid value: "Web--Port-Name": must not contain consecutive hyphens',
    ]);
    expect(v({ ports: [{ port: 80, nodePort: 30080 }] })).toEqual(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  });

  it('validates type, external names, selectors and dual-stack requests', () => {
    const v = (spec: Record<string, any>) => messages(services.validate!(created(services, svc(spec))));
    expect(v({ type: 'Foo', ports: [{ port: 80 }] })).toEqual([
      'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
    expect(v({ type: 'ExternalName' })).toEqual(['spec.externalName: Required value']);
    expect(v({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] })).toEqual([
      `spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`,
    ]);
    expect(v({ ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 80 }] })).toEqual([
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
    expect(v({ selector: { app: 'a b' }, ports: [{ port: 80 }] })[0]).toMatch(/^spec\.selector: Invalid value: "a b": a valid label must be/);
  });

  it('keeps allocated values on update and refuses a new cluster IP', () => {
    const old = created(services, svc({ type: 'NodePort', ports: [{ port: 80 }] }));
    Object.assign(old.spec, { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] });
    old.spec.ports[0].nodePort = 30080;
    const applied = svc({ type: 'NodePort', ports: [{ port: 80 }] });
    services.defaults!(applied);
    services.prepareForUpdate!(applied, old);
    expect(applied.spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080 }] });
    expect(services.validateUpdate!(applied, old)).toEqual([]);

    const changed = svc({ type: 'NodePort', clusterIP: '10.96.0.99', ports: [{ port: 80 }] });
    services.defaults!(changed);
    changed.spec.clusterIPs = ['10.96.0.10'];
    services.prepareForUpdate!(changed, old);
    expect(messages(services.validateUpdate!(changed, old))).toEqual(['spec.clusterIPs[0]: Invalid value: ["10.96.0.99"]: may not change once set']);
  });

  it('drops node ports and load-balancer status when the type no longer uses them', () => {
    const old = created(services, svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }));
    old.spec.ports[0].nodePort = 31000;
    old.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
    const next = structuredClone(old);
    next.spec.type = 'ClusterIP';
    next.status = structuredClone(old.status);
    services.prepareForUpdate!(next, old);
    expect(next.spec.ports[0].nodePort).toBeUndefined();
    expect(next.spec.externalTrafficPolicy).toBeUndefined();
    expect(next.spec.allocateLoadBalancerNodePorts).toBeUndefined();
    expect(next.status).toEqual({ loadBalancer: {} });
  });

  it('describes itself', () => {
    expect(services).toMatchObject({ shortNames: ['svc'], categories: ['all'], nameRule: 'dns1035', subresources: { status: true } });
    expect(patchMetaOf(services)['spec.ports']).toEqual({ strategy: 'merge', mergeKey: 'port' });
    expect(services.fieldSelectors!['spec.type'](svc({ type: 'NodePort' }))).toBe('NodePort');
  });
});

describe('endpoints', () => {
  const ep = (subsets: any[]) => obj({ subsets }, 'web');

  it('prints ready addresses with ports, capped at three', () => {
    const e = ep([
      {
        addresses: [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }],
        notReadyAddresses: [{ ip: '10.244.2.7' }],
        ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }],
      },
    ]);
    expect(row(endpoints, e)).toEqual({ Name: 'web', Endpoints: '10.244.1.5:8080,10.244.1.6:8080,10.244.1.5:9090 + 1 more...', Age: '5m' });
    expect(row(endpoints, ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 53 }] }])).Endpoints).toBe('[fd00::1]:53');
    expect(row(endpoints, ep([{ addresses: [{ ip: '10.0.0.1' }] }])).Endpoints).toBe('10.0.0.1');
    expect(row(endpoints, ep([])).Endpoints).toBe('<none>');
    expect(row(endpoints, ep([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }])).Endpoints).toBe('');
  });

  it('defaults port protocols and carries the deprecation warning', () => {
    const e = created(endpoints, ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]));
    expect(e.subsets[0].ports[0].protocol).toBe('TCP');
    expect(endpoints.warning).toBe('v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice');
    expect(endpoints.shortNames).toEqual(['ep']);
  });

  it('validates subsets', () => {
    const e = created(
      endpoints,
      ep([
        { ports: [{ port: 80 }] },
        { addresses: [{ ip: '127.0.0.1' }, { ip: '10.0.0.300' }], ports: [{ port: 80 }, { name: 'b', port: 70000 }] },
      ]),
    );
    expect(messages(endpoints.validate!(e))).toEqual([
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
      'subsets[1].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[1].addresses[1].ip: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[1].addresses[1].ip: Invalid value: "10.0.0.300": must be a valid IP address',
      'subsets[1].ports[0].name: Required value',
      'subsets[1].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
  });
});

describe('endpointslices', () => {
  const slice = (fields: Record<string, any>) => obj({ addressType: 'IPv4', ...fields }, 'web-x7k2p');

  it('prints ports and all endpoint addresses', () => {
    const s = slice({
      endpoints: [{ addresses: ['10.244.1.5'] }, { addresses: ['10.244.2.7'] }, { addresses: ['10.244.2.8'] }, { addresses: ['10.244.2.9'] }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    expect(row(endpointslices, s)).toEqual({
      Name: 'web-x7k2p',
      AddressType: 'IPv4',
      Ports: '8080',
      Endpoints: '10.244.1.5,10.244.2.7,10.244.2.8 + 1 more...',
      Age: '5m',
    });
    expect(row(endpointslices, slice({}))).toMatchObject({ Ports: '<unset>', Endpoints: '<unset>' });
    expect(row(endpointslices, slice({ ports: [{ name: 'dns' }, {}] })).Ports).toBe('dns,*');
  });

  it('defaults ports and validates', () => {
    const s = created(endpointslices, slice({ endpoints: [{ addresses: [] }, { addresses: ['fd00::1'] }], ports: [{ port: 80 }, { port: 81 }] }));
    expect(s.ports[0]).toEqual({ port: 80, name: '', protocol: 'TCP' });
    expect(messages(endpointslices.validate!(s))).toEqual([
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
      'ports[1].name: Duplicate value: ""',
    ]);
    expect(messages(endpointslices.validate!(slice({ addressType: 'IPv5' })))).toEqual([
      'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    ]);
    expect(messages(endpointslices.validateUpdate!(slice({ addressType: 'IPv6' }), slice({})))).toEqual([
      'addressType: Invalid value: "IPv6": field is immutable',
    ]);
    expect(endpointslices.generation).toBe(true);
  });
});

describe('configmaps', () => {
  it('validates keys, key clashes and size', () => {
    const cm = obj({ data: { 'a b': '1', '..x': '2', dup: '3' }, binaryData: { dup: 'AA==' } });
    expect(messages(configmaps.validate!(cm))).toEqual([
      `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      `data[..x]: Invalid value: "..x": must not start with '..'`,
      'data[dup]: Invalid value: "dup": duplicate of key present in binaryData',
    ]);
    const big = obj({ data: { a: 'x'.repeat(1024 * 1024) }, binaryData: { b: 'AA==' } });
    expect(messages(configmaps.validate!(big))).toEqual(['[]: Too long: may not be more than 1048576 bytes']);
  });

  it('freezes immutable config maps', () => {
    const old = obj({ immutable: true, data: { a: '1' } });
    expect(configmaps.validateUpdate!(obj({ immutable: true, data: { a: '1' } }), old)).toEqual([]);
    expect(messages(configmaps.validateUpdate!(obj({ data: { a: '2' } }), old))).toEqual([
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('prints the number of data and binaryData keys', () => {
    expect(row(configmaps, obj({ data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }))).toEqual({ Name: 'x', Data: 3, Age: '5m' });
    expect(configmaps.shortNames).toEqual(['cm']);
  });
});

describe('secrets', () => {
  it('defaults the type and folds stringData into data', () => {
    const s = created(secrets, obj({ data: { a: 'b2xk' }, stringData: { a: 'new', 'ü': 'grüße' } }));
    expect(s.type).toBe('Opaque');
    expect(s.data).toEqual({ a: 'bmV3', 'ü': 'Z3LDvMOfZQ==' });
    expect(s.stringData).toBeUndefined();
  });

  it('validates keys, size and type requirements', () => {
    const v = (fields: Record<string, any>) => messages(secrets.validate!(created(secrets, obj(fields))));
    expect(v({ type: 'kubernetes.io/tls', data: { 'tls.crt': '' } })).toEqual(['data[tls.key]: Required value']);
    expect(v({ type: 'kubernetes.io/basic-auth' })).toEqual(['data[username]: Required value', 'data[password]: Required value']);
    expect(v({ type: 'kubernetes.io/service-account-token' })).toEqual([
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    ]);
    expect(v({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'xyz' } })).toEqual([
      `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'x' looking for beginning of value`,
    ]);
    expect(v({ stringData: { big: 'x'.repeat(1024 * 1024 + 1) } })).toEqual(['data: Too long: may not be more than 1048576 bytes']);
  });

  it('keeps type and immutable data fixed on update', () => {
    const old = created(secrets, obj({ type: 'kubernetes.io/tls', immutable: true, data: { 'tls.crt': '', 'tls.key': '' } }));
    const next = created(secrets, obj({ immutable: true, data: { 'tls.crt': 'YQ==', 'tls.key': '' } }));
    expect(messages(secrets.validateUpdate!(next, old))).toEqual([
      'type: Invalid value: "Opaque": field is immutable',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('prints Type and Data and selects on type', () => {
    const s = obj({ type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } });
    expect(row(secrets, s)).toEqual({ Name: 'x', Type: 'kubernetes.io/tls', Data: 2, Age: '5m' });
    expect(secrets.fieldSelectors!.type(s)).toBe('kubernetes.io/tls');
    expect(secrets.shortNames).toBeUndefined();
  });
});

describe('serviceaccounts', () => {
  it('prints the number of secrets', () => {
    expect(row(serviceaccounts, obj({}, 'default'))).toEqual({ Name: 'default', Secrets: 0, Age: '5m' });
    expect(row(serviceaccounts, obj({ secrets: [{ name: 't' }] })).Secrets).toBe(1);
    expect(patchMetaOf(serviceaccounts).secrets).toEqual({ strategy: 'merge', mergeKey: 'name' });
  });
});

describe('events', () => {
  const ev = (fields: Record<string, any>) => obj({ involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1' }, ...fields }, 'web-1.17a');

  it('prints LAST SEEN, TYPE, REASON, OBJECT, MESSAGE and the wide columns', () => {
    const e = ev({
      type: 'Normal',
      reason: 'Pulled',
      message: '  Successfully pulled image "nginx"\n',
      firstTimestamp: '2026-01-01T11:00:00Z',
      lastTimestamp: '2026-01-01T11:58:00Z',
      count: 3,
      source: { component: 'kubelet', host: 'node-1' },
    });
    e.involvedObject.fieldPath = 'spec.containers{web}';
    expect(row(events, e)).toEqual({
      'Last Seen': '2m',
      Type: 'Normal',
      Reason: 'Pulled',
      Object: 'pod/web-1',
      Subobject: 'spec.containers{web}',
      Source: 'kubelet, node-1',
      Message: 'Successfully pulled image "nginx"',
      'First Seen': '60m',
      Count: 3,
      Name: 'web-1.17a',
    });
    expect(events.columns!.map((c) => c.priority ?? 0)).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1, 1]);
  });

  it('falls back to eventTime, series and reporting fields', () => {
    const e = ev({ eventTime: '2026-01-01T11:59:30.000000Z', reportingComponent: 'default-scheduler', reportingInstance: '' });
    expect(row(events, e)).toMatchObject({ 'Last Seen': '30s', 'First Seen': '30s', Count: 1, Source: 'default-scheduler' });
    const series = ev({ eventTime: '2026-01-01T11:00:00.000000Z', series: { count: 7, lastObservedTime: '2026-01-01T11:59:00.000000Z' } });
    expect(row(events, series)).toMatchObject({ 'Last Seen': '60s', Count: 7 });
    const noName = ev({});
    noName.involvedObject = { kind: 'Node' };
    expect(row(events, noName).Object).toBe('node');
  });

  it('validates the namespace of the involved object', () => {
    expect(events.validate!(ev({}))).toEqual([]);
    expect(messages(events.validate!(obj({ involvedObject: { kind: 'Pod', namespace: 'other' } })))).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
    expect(messages(events.validate!(ev({ eventTime: '2026-01-01T11:00:00.000000Z', reportingComponent: 'kubelet', reportingInstance: 'n', action: 'Pull' })))).toEqual([
      'reason: Required value',
    ]);
  });

  it('selects on involvedObject fields, reason, source and type', () => {
    const e = ev({ reason: 'Failed', type: 'Warning', source: { component: 'kubelet' }, reportingComponent: 'kubelet' });
    const f = events.fieldSelectors!;
    expect([f['involvedObject.kind'](e), f['involvedObject.name'](e), f['involvedObject.uid'](e), f.reason(e), f.source(e), f.type(e), f.reportingComponent(e)]).toEqual([
      'Pod',
      'web-1',
      '',
      'Failed',
      'kubelet',
      'Warning',
      'kubelet',
    ]);
    expect(events.nameRule).toBe('path');
  });
});

describe('events.k8s.io events', () => {
  const ev = (fields: Record<string, any>) =>
    obj({
      regarding: { kind: 'Pod', namespace: 'default', name: 'web-1' },
      eventTime: '2026-01-01T11:59:00.000000Z',
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      action: 'Pulling',
      reason: 'Pulling',
      type: 'Normal',
      note: 'Pulling image "nginx"',
      ...fields,
    });

  it('prints with regarding in place of involvedObject', () => {
    expect(row(eventsV1, ev({}))).toEqual({
      'Last Seen': '60s',
      Type: 'Normal',
      Reason: 'Pulling',
      Object: 'pod/web-1',
      Subobject: '',
      Source: 'kubelet, node-1',
      Message: 'Pulling image "nginx"',
      'First Seen': '60s',
      Count: 1,
      Name: 'x',
    });
    expect(eventsV1).toMatchObject({ group: 'events.k8s.io', shortNames: ['ev'], nameRule: 'subdomain' });
    expect(eventsV1.fieldSelectors!['regarding.name'](ev({}))).toBe('web-1');
    expect(eventsV1.fieldSelectors!.reportingController(ev({}))).toBe('kubelet');
  });

  it('validates strictly on create and keeps events immutable', () => {
    expect(eventsV1.validate!(ev({}))).toEqual([]);
    expect(messages(eventsV1.validate!(ev({ eventTime: undefined, type: 'Bad', deprecatedCount: 2, series: { count: 1 } })))).toEqual([
      'series.count: Invalid value: "": should be at least 2',
      'series.lastObservedTime: Required value',
      'eventTime: Required value',
      'type: Invalid value: "": has invalid value: Bad',
      'count: Invalid value: "": needs to be unset',
    ]);
    expect(messages(eventsV1.validateUpdate!(ev({ note: 'changed' }), ev({})))).toEqual([
      'message: Invalid value: "changed": field is immutable',
    ]);
  });
});

describe('resourcequotas', () => {
  const quota = (spec: Record<string, any>, status?: Record<string, any>) => obj({ spec, ...(status ? { status } : {}) }, 'compute');

  it('prints Request and Limit from status', () => {
    const q = quota(
      { hard: {} },
      {
        hard: { pods: '10', 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2Gi' },
        used: { pods: '1', 'requests.cpu': '500m', 'limits.cpu': '1', 'limits.memory': '256Mi' },
      },
    );
    expect(row(resourcequotas, q)).toEqual({
      Name: 'compute',
      Request: 'pods: 1/10, requests.cpu: 500m/1, requests.memory: 0/1Gi',
      Limit: 'limits.cpu: 1/2, limits.memory: 256Mi/2Gi',
      Age: '5m',
    });
    expect(row(resourcequotas, quota({ hard: { pods: '1' } }))).toMatchObject({ Request: '', Limit: '' });
  });

  it('clears status on create', () => {
    expect(created(resourcequotas, quota({ hard: { pods: '1' } }, { hard: { pods: '1' } })).status).toEqual({});
  });

  it('validates resource names, quantities and scopes', () => {
    const v = (spec: Record<string, any>) => messages(resourcequotas.validate!(quota(spec)));
    expect(v({ hard: { foo: '1', pods: '1500m', 'requests.cpu': '-1', 'count/deployments.apps': '5' } })).toEqual([
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
      'spec.hard[pods]: Invalid value: "1500m": must be an integer',
      'spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
    expect(v({ hard: { 'requests.storage': '1Gi' }, scopes: ['BestEffort', 'NotBestEffort'] })).toEqual([
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
    ]);
    expect(v({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'BestEffort', operator: 'In', values: ['x'] }] } })).toEqual([
      "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
    ]);
  });

  it('keeps scopes immutable', () => {
    expect(messages(resourcequotas.validateUpdate!(quota({ scopes: ['Terminating'] }), quota({})))).toEqual([
      'spec.scopes: Invalid value: ["Terminating"]: field is immutable',
    ]);
  });
});

describe('limitranges', () => {
  const lr = (limits: any[]) => obj({ spec: { limits } }, 'limits');

  it('defaults container items from max and min', () => {
    const l = created(limitranges, lr([{ type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' } }, { type: 'Pod', max: { cpu: '2' } }]));
    expect(l.spec.limits[0]).toEqual({
      type: 'Container',
      max: { cpu: '1' },
      min: { memory: '64Mi' },
      default: { cpu: '1' },
      defaultRequest: { cpu: '1', memory: '64Mi' },
    });
    expect(l.spec.limits[1]).toEqual({ type: 'Pod', max: { cpu: '2' } });
    expect(limitranges.columns).toBeUndefined();
  });

  it('validates types, resources and value ordering', () => {
    const v = (limits: any[]) => messages(limitranges.validate!(lr(limits)));
    expect(v([{ type: 'Foo' }, { type: 'Pod', default: { cpu: '1' } }, { type: 'Pod' }])).toEqual([
      'spec.limits[0].type: Invalid value: "Foo": must be a standard limit type or fully qualified',
      "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[2].type: Duplicate value: "Pod"',
    ]);
    expect(v([{ type: 'Container', max: { cpu: '500m' }, min: { cpu: '1' }, maxLimitRequestRatio: { cpu: '4' } }])).toEqual([
      'spec.limits[0].min[cpu]: Invalid value: "1": min value 1 is greater than max value 500m',
      'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "4": ratio 4 is greater than max/min = 0.500000',
    ]);
    expect(v([{ type: 'Container', default: { cpu: '1', foo: '1' }, defaultRequest: { cpu: '2Gi' } }])).toEqual([
      'spec.limits[0].default[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
      'spec.limits[0].default[foo]: Invalid value: "foo": must be a standard resource for containers',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "2Gi": default request value 2Gi is greater than default limit value 1',
    ]);
    expect(v([{ type: 'PersistentVolumeClaim' }])).toEqual([
      'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
    ]);
  });
});
