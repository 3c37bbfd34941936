// Service address allocation, as the service registry does it (alloc.go): a cluster IP from the service CIDR
// 10.96.0.0/12 and node ports from 30000-32767, unique in the cluster, on create and when an update moves a
// Service to a type that needs them. What is allocated is exactly what the stored Services hold, so deleting
// a Service (or changing its type) releases its addresses.
import { resKey, type ApiContext } from './context';
import { internalError, invalid } from './errors';
import { invalid as invalidField, type FieldError } from './field-errors';
import { needsClusterIP, needsHealthCheck, needsNodePorts } from '../resources/services';
import type { KubeObject } from '../resources/types';

const SERVICES = { group: '', plural: 'services' };
const SERVICE_CIDR = '10.96.0.0/12';
const CIDR_BASE = (10 << 24) | (96 << 16);
const CIDR_SIZE = 1 << 20;
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;
const PORT_RANGE_SIZE = NODE_PORT_MAX - NODE_PORT_MIN + 1;
/** KEP-3070: the lowest min(max(16, size/16), 256) addresses are left for users; random picks go above first. */
const IP_STATIC_BAND = Math.min(Math.max(16, CIDR_SIZE / 16), 256);
/** KEP-3668: likewise the lowest min(max(16, size/32), 128) node ports. */
const PORT_STATIC_BAND = Math.min(Math.max(16, Math.floor(PORT_RANGE_SIZE / 32)), 128);

const ipToNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const ipToString = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const inCIDR = (ip: string) => /^\d+\.\d+\.\d+\.\d+$/.test(ip) && ipToNumber(ip) - CIDR_BASE >= 0 && ipToNumber(ip) - CIDR_BASE < CIDR_SIZE;

function randomInt(max: number): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] % max;
}

/** A free value of [first, first + size): the upper band from a random start, then the static band below it. */
function pick(first: number, size: number, band: number, taken: (v: number) => boolean): number | undefined {
  for (const [lo, n] of [[first + band, size - band], [first, band]]) {
    const start = randomInt(n);
    for (let i = 0; i < n; i++) {
      const v = lo + ((start + i) % n);
      if (!taken(v)) return v;
    }
  }
  return undefined;
}

/** Addresses held by every stored Service except `self` (the one being updated). */
function used(ctx: ApiContext, self?: KubeObject) {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const { obj } of ctx.store.list(resKey(SERVICES), '')) {
    if (self && obj.metadata.uid === self.metadata.uid) continue;
    for (const ip of obj.spec?.clusterIPs ?? [obj.spec?.clusterIP]) if (ip) ips.add(ip);
    for (const p of obj.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    if (obj.spec?.healthCheckNodePort) ports.add(obj.spec.healthCheckNodePort);
  }
  return { ips, ports };
}

/** The registry's allocateLoadBalancerNodePorts switch: a LoadBalancer may opt out of node ports. */
const allocatesNodePorts = (spec: any) => needsNodePorts(spec) && !(spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === false);

/**
 * Fills what a Service lacks (spec.clusterIP(s), node ports, healthCheckNodePort) and checks what the user
 * chose; `old` is the stored Service on update, whose own addresses stay its own.
 */
export function allocateServiceAddresses(ctx: ApiContext, svc: KubeObject, old?: KubeObject) {
  const spec = svc.spec;
  if (!spec) return;
  const { ips, ports } = used(ctx, old);
  const name = svc.metadata.name ?? '';
  const errors: FieldError[] = [];
  const ip = spec.clusterIP;
  if (needsClusterIP(spec) && ip !== 'None' && (!ip || ip !== old?.spec?.clusterIP)) {
    if (!ip) {
      const n = pick(CIDR_BASE + 1, CIDR_SIZE - 2, IP_STATIC_BAND, (v) => ips.has(ipToString(v)));
      if (n === undefined) throw internalError('failed to allocate a serviceIP: range is full');
      spec.clusterIP = ipToString(n);
    } else if (!inCIDR(ip)) {
      errors.push(invalidField('spec.clusterIPs', [ip], `failed to allocate IP ${ip}: the provided network does not match the current range`));
    } else if (ip === ipToString(CIDR_BASE) || ip === ipToString(CIDR_BASE + CIDR_SIZE - 1)) {
      errors.push(invalidField('spec.clusterIPs', [ip], `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`));
    } else if (ips.has(ip)) {
      errors.push(invalidField('spec.clusterIPs', [ip], `failed to allocate IP ${ip}: provided IP is already allocated`));
    }
    spec.clusterIPs = [spec.clusterIP];
  } else if (ip === 'None') {
    spec.clusterIPs = ['None'];
  }

  const own = new Set<number>([...(old?.spec?.ports ?? []).map((p: any) => p.nodePort), old?.spec?.healthCheckNodePort].filter(Boolean));
  const nodePort = (chosen: number | undefined, field: string): number | undefined => {
    if (chosen) {
      if (!own.has(chosen)) {
        if (chosen < NODE_PORT_MIN || chosen > NODE_PORT_MAX) {
          errors.push(invalidField(field, chosen, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`));
        } else if (ports.has(chosen)) {
          errors.push(invalidField(field, chosen, 'provided port is already allocated'));
        }
      }
      ports.add(chosen);
      return chosen;
    }
    const port = pick(NODE_PORT_MIN, PORT_RANGE_SIZE, PORT_STATIC_BAND, (v) => ports.has(v));
    if (port === undefined) throw internalError('failed to allocate a nodePort: range is full');
    ports.add(port);
    return port;
  };
  // Several ports of one Service may share a node port number across protocols (TCP and UDP of port 53).
  if (allocatesNodePorts(spec)) {
    const byNumber = new Map<number, number>();
    (spec.ports ?? []).forEach((p: any, i: number) => {
      if (p.nodePort && byNumber.has(p.nodePort)) return;
      p.nodePort = nodePort(p.nodePort, `spec.ports[${i}].nodePort`);
      if (p.nodePort) byNumber.set(p.nodePort, i);
    });
  }
  if (needsHealthCheck(spec)) spec.healthCheckNodePort = nodePort(spec.healthCheckNodePort, 'spec.healthCheckNodePort');
  if (errors.length) throw invalid('Service', '', name, errors);
}
