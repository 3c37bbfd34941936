// core/v1 Service: SetDefaults_Service, the service strategy and registry normalisation
// (pkg/registry/core/service), ValidateService / ValidateServiceUpdate and printService.
// Cluster IPs and node ports are allocated by the pipeline (src/apiserver/allocate.ts), after validation.
import { deepEqual } from '../apiserver/json-util';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { validateLabels } from '../apiserver/names';
import { ageColumn, formatLabels, nameColumn } from '../apiserver/printers';
import {
  cidrErrors,
  dnsLabelErrors,
  dnsSubdomainErrors,
  ipErrors,
  isIPv6,
  nonSpecialIPErrors,
  portNumOrNameErrors,
  portNumberErrors,
  protocolErrors,
  qualifiedNameErrors,
} from './endpoints';
import type { KubeObject, ResourceDef } from './types';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const FAMILIES = ['IPv4', 'IPv6'];
const FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_DISTRIBUTIONS = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];
const MAX_AFFINITY_SECONDS = 86400;

const isLoadBalancer = (spec: any) => spec.type === 'LoadBalancer';
export const needsNodePorts = (spec: any) => spec.type === 'NodePort' || spec.type === 'LoadBalancer';
export const needsClusterIP = (spec: any) => spec.type !== 'ExternalName';
const externallyAccessible = (spec: any) => needsNodePorts(spec) || (spec.type === 'ClusterIP' && spec.externalIPs?.length > 0);
export const needsHealthCheck = (spec: any) => isLoadBalancer(spec) && spec.externalTrafficPolicy === 'Local';
const isHeadless = (spec: any) => spec.clusterIPs?.length === 1 && spec.clusterIPs[0] === 'None';
const hasSelector = (spec: any) => Object.keys(spec.selector ?? {}).length > 0;
/** Headless without selector: the one case that defaults to dual-stack families, even on a single-stack cluster. */
const headlessSelectorless = (spec: any) => spec.clusterIP === 'None' && !hasSelector(spec);

// ---- defaulting (SetDefaults_Service) ----

function defaultService(obj: KubeObject) {
  const spec = (obj.spec ??= {});
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  spec.type ||= 'ClusterIP';
  for (const p of spec.ports ?? []) {
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port ?? 0;
  }
  if (externallyAccessible(spec)) spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.internalTrafficPolicy == null && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) spec.internalTrafficPolicy = 'Cluster';
  if (isLoadBalancer(spec)) {
    spec.allocateLoadBalancerNodePorts ??= true;
    for (const ing of obj.status?.loadBalancer?.ingress ?? []) if (ing.ip && ing.ipMode == null) ing.ipMode = 'VIP';
  }
}

// ---- registry normalisation (storage.go normalizeClusterIPs / patchAllocatedValues, alloc.go initIPFamilyFields) ----

/** Keeps clusterIP and clusterIPs in step for clients that only send the singular field. */
function normalizeClusterIPs(spec: any, oldSpec?: any) {
  if (!oldSpec) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  if (spec.clusterIP !== oldSpec.clusterIP && deepEqual(spec.clusterIPs ?? [], oldSpec.clusterIPs ?? [])) {
    if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
    else delete spec.clusterIPs;
  }
}

/** An update that omits allocated values (kubectl apply/replace) keeps the ones already allocated. */
function patchAllocatedValues(spec: any, oldSpec: any) {
  if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs?.length && oldSpec.clusterIPs?.length) spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (needsNodePorts(oldSpec) && needsNodePorts(spec)) {
    const ports: any[] = spec.ports ?? [];
    const inUse = new Set(ports.map((p) => p.nodePort).filter(Boolean));
    const byName = new Map<string, number>((oldSpec.ports ?? []).map((p: any) => [p.name ?? '', p.nodePort]));
    for (const p of ports) {
      const old = byName.get(p.name ?? '');
      if (!p.nodePort && old && !inUse.has(old)) p.nodePort = old;
    }
  }
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && !spec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
}

/** ipFamilyPolicy and ipFamilies on this single-stack IPv4 cluster; an IPv6 cluster IP is left for validation to reject. */
function initIPFamilies(spec: any, oldSpec?: any) {
  if (!needsClusterIP(spec)) return;
  spec.ipFamilyPolicy ??= oldSpec?.ipFamilyPolicy ?? (headlessSelectorless(spec) ? 'RequireDualStack' : 'SingleStack');
  const families: string[] = [...(spec.ipFamilies ?? [])];
  for (const [i, ip] of (spec.clusterIPs ?? []).entries()) {
    if (ip === 'None') break;
    if (i < families.length) continue;
    if (isIPv6(ip)) return;
    families.push('IPv4');
  }
  if (!families.length) families.push('IPv4');
  if (headlessSelectorless(spec) && families.length < 2 && spec.ipFamilyPolicy !== 'SingleStack') {
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  }
  spec.ipFamilies = families;
}

/** dropTypeDependentFields: switching type releases what the new type does not use, unless the user changed it too. */
function dropTypeDependentFields(obj: KubeObject, old: KubeObject) {
  const spec = obj.spec;
  const oldSpec = old.spec;
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (spec.clusterIP === oldSpec.clusterIP && deepEqual(spec.clusterIPs, oldSpec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (deepEqual(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === oldSpec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(oldSpec) && !needsNodePorts(spec)) {
    const oldPorts = new Set((oldSpec.ports ?? []).map((p: any) => p.nodePort));
    if ((spec.ports ?? []).every((p: any) => !p.nodePort || oldPorts.has(p.nodePort))) for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (isLoadBalancer(oldSpec) && !isLoadBalancer(spec)) {
    if (spec.allocateLoadBalancerNodePorts != null && spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (needsNodePorts(oldSpec) && !needsNodePorts(spec) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (!isLoadBalancer(spec) && obj.status) obj.status.loadBalancer = {};
}

// ---- validation (ValidateService) ----

function validatePort(p: any, requireName: boolean, names: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(required(`${field}.name`));
  else if (p.name) {
    errs.push(...dnsLabelErrors(p.name, `${field}.name`));
    if (names.has(p.name)) errs.push(duplicate(`${field}.name`, p.name));
    names.add(p.name);
  }
  errs.push(...portNumberErrors(p.port, `${field}.port`), ...protocolErrors(p.protocol, `${field}.protocol`));
  errs.push(...portNumOrNameErrors(p.targetPort ?? 0, `${field}.targetPort`));
  if (p.appProtocol != null) errs.push(...qualifiedNameErrors(p.appProtocol, `${field}.appProtocol`));
  return errs;
}

/** The rules across ports: node ports only where a type uses them, no repeated (protocol, port) pairs. */
function portSetErrors(spec: any): FieldError[] {
  const ports: any[] = spec.ports ?? [];
  const errs: FieldError[] = [];
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => p.nodePort && errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'")));
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    // The duplicate value is the internal core.ServicePort key, rendered as JSON with Go field names.
    if (seen.has(key)) {
      errs.push(duplicate(`spec.ports[${i}]`, { Name: '', Protocol: p.protocol ?? '', AppProtocol: null, Port: p.port ?? 0, TargetPort: 0, NodePort: 0 }));
    }
    seen.add(key);
  });
  return errs;
}

function validateTypeSpecific(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && isHeadless(spec)) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
  if (spec.type === 'ExternalName') {
    if (spec.clusterIPs?.length) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (spec.ipFamilies?.length) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy != null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    errs.push(...(cname ? dnsSubdomainErrors(cname, 'spec.externalName') : [required('spec.externalName')]));
  }
  return errs;
}

// Defaulting always sets type, sessionAffinity (with its ClientIP config) and internalTrafficPolicy, so the
// upstream "Required value" branches for them cannot fire here; only unsupported values are checked.

function validateAffinity(spec: any): FieldError[] {
  if (!AFFINITIES.includes(spec.sessionAffinity)) return [notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES)];
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (spec.sessionAffinity === 'ClientIP' && (timeout <= 0 || timeout > MAX_AFFINITY_SECONDS)) {
    return [invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`)];
  }
  return [];
}

/** ValidateServiceClusterIPsRelatedFields */
function validateClusterIPs(spec: any): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const ips: string[] = spec.clusterIPs ?? [];
  const errs: FieldError[] = [];
  if (spec.clusterIP) {
    if (!ips.length) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) errs.push(invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f: string, i: number) => {
    if (!FAMILIES.includes(f)) errs.push(notSupported(`spec.ipFamilies[${i}]`, f, FAMILIES));
    if (seen.has(f)) errs.push(duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy != null && !FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, FAMILY_POLICIES));
  }
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = ipErrors(ip, `spec.clusterIPs[${i}]`);
    badIPs ||= e.length > 0;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (ips.length > 1 && isIPv6(ips[0]) === isIPv6(ips[1])) {
    errs.push(invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      const family = spec.ipFamilies?.[i];
      if (family === 'IPv4' && isIPv6(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (family === 'IPv6' && !isIPv6(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/** What the allocator refuses on this single-stack IPv4 cluster (alloc.go initIPFamilyFields). */
function singleStackErrors(spec: any): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const ips: string[] = spec.clusterIPs ?? [];
  const families: string[] = spec.ipFamilies ?? [];
  const errs: FieldError[] = [];
  if (spec.ipFamilyPolicy === 'SingleStack') {
    if (ips.length === 2) errs.push(invalid('spec.ipFamilyPolicy', 'SingleStack', "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (families.length === 2) errs.push(invalid('spec.ipFamilyPolicy', 'SingleStack', "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  ips.forEach((ip, i) => {
    if (ip !== 'None' && i >= families.length && isIPv6(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ips, 'IPv6 is not configured on this cluster'));
  });
  if (errs.length || headlessSelectorless(spec)) return errs;
  if (spec.ipFamilyPolicy === 'RequireDualStack') errs.push(invalid('spec.ipFamilyPolicy', 'RequireDualStack', 'this cluster is not configured for dual-stack services'));
  families.forEach((f, i) => f === 'IPv6' && errs.push(invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster')));
  return errs;
}

function validateLoadBalancerFields(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  const ranges: string[] = spec.loadBalancerSourceRanges ?? [];
  if (ranges.length) {
    // The upstream path really is spelled with a capital L.
    if (!isLoadBalancer(spec)) errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...cidrErrors(r.trim(), `spec.LoadBalancerSourceRanges[${i}]`)));
  }
  if (spec.allocateLoadBalancerNodePorts != null && !isLoadBalancer(spec)) {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.loadBalancerClass != null) {
    errs.push(...qualifiedNameErrors(spec.loadBalancerClass, 'spec.loadBalancerClass'));
    if (!isLoadBalancer(spec)) errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

function validateTrafficPolicies(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(required('spec.externalTrafficPolicy'));
  else if (!TRAFFIC_POLICIES.includes(etp)) errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  if (!needsHealthCheck(spec) && spec.healthCheckNodePort) {
    errs.push(invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp != null && !TRAFFIC_POLICIES.includes(itp)) errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  const td = spec.trafficDistribution;
  if (td != null && !TRAFFIC_DISTRIBUTIONS.includes(td)) errs.push(notSupported('spec.trafficDistribution', td, TRAFFIC_DISTRIBUTIONS));
  return errs;
}

function validateService(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const ports: any[] = spec.ports ?? [];
  const errs: FieldError[] = [];
  if (!ports.length && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(required('spec.ports'));
  errs.push(...validateTypeSpecific(spec));
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validatePort(p, ports.length > 1, names, `spec.ports[${i}]`)));
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateAffinity(spec));
  const ipErrs = validateClusterIPs(spec);
  errs.push(...ipErrs, ...(ipErrs.length ? [] : singleStackErrors(spec)));
  (spec.externalIPs ?? []).forEach((ip: string, i: number) => {
    const e = ipErrors(ip, `spec.externalIPs[${i}]`);
    errs.push(...(e.length ? e : nonSpecialIPErrors(ip, `spec.externalIPs[${i}]`)));
  });
  if (!TYPES.includes(spec.type)) errs.push(notSupported('spec.type', spec.type, TYPES));
  return [...errs, ...portSetErrors(spec), ...validateLoadBalancerFields(spec), ...validateTrafficPolicies(spec)];
}

/** validateUpgradeDowngradeClusterIPs: the primary cluster IP never changes once allocated. */
function clusterIPChangeErrors(spec: any, oldSpec: any): FieldError[] {
  if (!needsClusterIP(spec) || !needsClusterIP(oldSpec) || (isHeadless(spec) && isHeadless(oldSpec))) return [];
  const ips: string[] = spec.clusterIPs ?? [];
  const oldIPs: string[] = oldSpec.clusterIPs ?? [];
  const errs: FieldError[] = [];
  if (ips.length === oldIPs.length) {
    oldIPs.forEach((ip, i) => ip !== ips[i] && errs.push(invalid(`spec.clusterIPs[${i}]`, ips, 'may not change once set')));
  } else if (oldIPs.length > ips.length) {
    if (!ips.length) errs.push(invalid('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
    if (ips.length && ips[0] !== oldIPs[0]) errs.push(invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
    if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length && ips[0] !== oldIPs[0]) errs.push(invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
  return errs;
}

/** validateUpgradeDowngradeIPFamilies */
function familyChangeErrors(spec: any, oldSpec: any): FieldError[] {
  if (!needsClusterIP(spec) || !needsClusterIP(oldSpec) || isHeadless(spec) || isHeadless(oldSpec)) return [];
  const fams: string[] = spec.ipFamilies ?? [];
  const old: string[] = oldSpec.ipFamilies ?? [];
  const errs: FieldError[] = [];
  if (fams.length === old.length) {
    old.forEach((f, i) => f !== fams[i] && errs.push(invalid('spec.ipFamilies[0]', fams, 'may not change once set')));
  } else if (old.length > fams.length) {
    if (!spec.clusterIPs?.length) errs.push(invalid('spec.ipFamilies[0]', fams, 'primary ipFamily can not be unset'));
    if (fams.length && fams[0] !== old[0]) errs.push(invalid('spec.ipFamilies[0]', spec.clusterIPs ?? [], 'may not change once set'));
    if (fams.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (old.length && fams.length && fams[0] !== old[0]) errs.push(invalid('spec.ipFamilies[0]', spec.clusterIPs ?? [], 'may not change once set'));
  return errs;
}

function validateServiceUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const oldSpec = old.spec ?? {};
  const errs = [...clusterIPChangeErrors(spec, oldSpec), ...familyChangeErrors(spec, oldSpec)];
  if (isLoadBalancer(spec) && isLoadBalancer(oldSpec) && spec.loadBalancerClass !== oldSpec.loadBalancerClass) {
    errs.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(spec) && needsHealthCheck(oldSpec) && spec.healthCheckNodePort !== oldSpec.healthCheckNodePort) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  return [...errs, ...validateService(obj)];
}

// ---- printing (printService) ----

/** The External-IP cell; the server prints with Wide=true, so load-balancer addresses are never cut. */
function externalIPCell(obj: KubeObject): string {
  const spec = obj.spec ?? {};
  const external: string[] = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress: any[] = obj.status?.loadBalancer?.ingress ?? [];
      const lb = [...new Set(ingress.map((i) => i.ip || i.hostname).filter(Boolean))].sort();
      const all = [...lb, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

function portsCell(obj: KubeObject): string {
  const ports: any[] = obj.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

const DESCRIPTIONS = {
  type: 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  clusterIP:
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  externalIPs:
    'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
  ports: 'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  selector:
    'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
};

export const services: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  subresources: { status: true, proxy: 'ServiceProxyOptions' },
  nameRule: 'dns1035',
  generation: false,
  defaults: defaultService,
  prepareForCreate: (obj) => {
    obj.status = { loadBalancer: {} };
    normalizeClusterIPs(obj.spec);
    initIPFamilies(obj.spec);
  },
  // Upstream order: the registry's beginUpdate (patch, normalise, allocate) runs before the strategy.
  prepareForUpdate: (obj, old) => {
    const oldSpec = old.spec ?? {};
    patchAllocatedValues(obj.spec, oldSpec);
    normalizeClusterIPs(obj.spec, oldSpec);
    initIPFamilies(obj.spec, oldSpec);
    dropTypeDependentFields(obj, old);
  },
  validate: validateService,
  validateUpdate: validateServiceUpdate,
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', description: DESCRIPTIONS.type, cell: (o) => o.spec?.type ?? '' },
    { name: 'Cluster-IP', type: 'string', description: DESCRIPTIONS.clusterIP, cell: (o) => o.spec?.clusterIPs?.[0] ?? '<none>' },
    { name: 'External-IP', type: 'string', description: DESCRIPTIONS.externalIPs, cell: externalIPCell },
    { name: 'Port(s)', type: 'string', description: DESCRIPTIONS.ports, cell: portsCell },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, description: DESCRIPTIONS.selector, cell: (o) => formatLabels(o.spec?.selector) },
  ],
  fieldSelectors: {
    'spec.clusterIP': (o) => o.spec?.clusterIP ?? '',
    'spec.type': (o) => o.spec?.type ?? '',
  },
};
