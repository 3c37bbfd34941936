// The environment a container starts with, as the kubelet builds it (networking.md §3): service link
// variables (pkg/kubelet/envvars), then the container's envFrom and env resolved (kubelet_pods.go
// makeEnvironmentVariables) with `$(VAR)` expansion (third_party/forked/golang/expansion). Pure: the
// services come from the snapshot the kubelet took when the container started, everything else from
// lookups. Values may come from Secrets: none of them is ever logged or put into an error message.
import { milliValue, parseNanos as parseQuantity } from '../admission/quantity';
import type { KubeObject } from '../resources/types';

export interface EnvVar {
  name: string;
  value: string;
}

/** What a container's environment keeps of a Service: only what the variables are made of. */
export interface ServiceSnapshot {
  name: string;
  clusterIP: string;
  ports: { name?: string; port: number; protocol?: string }[];
}

/** The runtime state the kubelet keeps per pod (by uid): for each container, its last start. */
export interface PodRuntime {
  containers: Record<string, { containerID: string; startedAt?: string; services: ServiceSnapshot[] }>;
}

export interface EnvLookups {
  configMap(name: string): KubeObject | undefined;
  secret(name: string): KubeObject | undefined;
  /** the node's allocatable: what limits.* reads when the container sets no limit */
  nodeAllocatable?: Record<string, unknown>;
}

/** The environment, or why the kubelet could not build it (CreateContainerConfigError). */
export type EnvResult = { env: EnvVar[] } | { error: string };

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** IsServiceIPSet: headless (`None`) and ExternalName (no cluster IP) services make no variables. */
const hasClusterIP = (svc: KubeObject) => {
  const ip = svc.spec?.clusterIP;
  return typeof ip === 'string' && ip !== '' && ip !== 'None';
};

const snapshotOf = (svc: KubeObject): ServiceSnapshot => ({
  name: svc.metadata.name!,
  clusterIP: svc.spec.clusterIP,
  ports: list(svc.spec?.ports).map((p) => ({ ...(p?.name ? { name: String(p.name) } : {}), port: Number(p?.port), ...(p?.protocol ? { protocol: String(p.protocol) } : {}) })),
});

/**
 * getServiceEnvVarMap: the services a container of `pod` sees: the `kubernetes` service of `default`
 * always, and with enableServiceLinks (default true) every service with a cluster IP in the pod's own
 * namespace (one of those named `kubernetes` wins over the master's). Sorted by name.
 */
export function servicesForPod(pod: KubeObject, namespaceServices: KubeObject[], master: KubeObject | undefined, startedAt?: string): ServiceSnapshot[] {
  // A clock jump starts containers in the past: services created after that did not exist for them.
  const existed = (svc: KubeObject) => hasClusterIP(svc) && (!startedAt || (svc.metadata.creationTimestamp ?? '') <= startedAt);
  const byName = new Map<string, ServiceSnapshot>();
  if (pod.spec?.enableServiceLinks !== false) {
    for (const svc of namespaceServices) if (existed(svc) && svc.metadata.namespace === pod.metadata.namespace) byName.set(svc.metadata.name!, snapshotOf(svc));
  }
  if (master && existed(master) && !byName.has('kubernetes')) byName.set('kubernetes', snapshotOf(master));
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface ContainerStart {
  name: string;
  containerID: string;
  startedAt?: string;
}

/** Containers that (re)started between two statuses of a pod: each has a container ID it did not have before. */
export function containerStarts(before: any, after: any): ContainerStart[] {
  const all = (s: any) => [...list(s?.initContainerStatuses), ...list(s?.containerStatuses)];
  const old = new Map(all(before).map((cs) => [cs?.name, cs?.containerID]));
  return all(after)
    .filter((cs) => cs?.containerID && cs.containerID !== old.get(cs.name))
    .map((cs) => ({ name: cs.name, containerID: cs.containerID, startedAt: cs.state?.running?.startedAt ?? cs.state?.terminated?.startedAt }));
}

/** The pod's runtime state after `starts`: each started container with the services it saw when it started. */
export function withStarts(runtime: PodRuntime | undefined, starts: ContainerStart[], servicesAt: (startedAt?: string) => ServiceSnapshot[]): PodRuntime {
  const containers = { ...runtime?.containers };
  for (const s of starts) containers[s.name] = { containerID: s.containerID, ...(s.startedAt ? { startedAt: s.startedAt } : {}), services: servicesAt(s.startedAt) };
  return { containers };
}

/** makeEnvVariableName: upper case, `-` → `_`. */
const envName = (s: string) => s.toUpperCase().replaceAll('-', '_');

/** net.JoinHostPort: IPv6 addresses are bracketed. */
const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** envvars.FromServices: the variables of each service, in its order. */
export function serviceEnvVars(services: ServiceSnapshot[]): EnvVar[] {
  const out: EnvVar[] = [];
  for (const svc of services) {
    if (!svc.ports.length) continue;
    const prefix = envName(svc.name);
    const ip = svc.clusterIP;
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(svc.ports[0].port) });
    for (const p of svc.ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    svc.ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toLowerCase();
      const url = `${proto}://${hostPort(ip, p.port)}`;
      // Docker special-cases the first port.
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/**
 * expansion.Expand: `$(NAME)` becomes the variable's value, or stays as written when it is unknown;
 * `$$` is a literal `$`; any other `$` is kept.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$' || i + 1 >= input.length) continue;
    out += input.slice(checkpoint, i);
    const next = input[i + 1];
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) out += '$(';
      else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close - i;
      }
    } else out += `$${next}`;
    i += advance;
    checkpoint = i + 1;
  }
  return out + input.slice(checkpoint);
}

/** Secret data is base64; a variable gets its bytes as text. */
function secretText(b64: unknown): string {
  const bin = atob(String(b64 ?? ''));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

class ConfigError extends Error {}

/** podFieldSelectorRuntimeValue for the field paths env vars may use. */
function fieldValue(pod: KubeObject, path: string): string {
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) return String(pod.metadata[sub[1] as 'labels' | 'annotations']?.[sub[2]] ?? '');
  const ips = (arr: unknown) => list(arr).map((a) => String(a?.ip ?? ''));
  switch (path) {
    case 'metadata.name':
    case 'metadata.namespace':
    case 'metadata.uid':
      return String(pod.metadata[path.slice(9) as 'name'] ?? '');
    case 'spec.nodeName':
      return String(pod.spec?.nodeName ?? '');
    case 'spec.serviceAccountName':
      return String(pod.spec?.serviceAccountName ?? '');
    case 'status.hostIP':
      return String(pod.status?.hostIP ?? '');
    case 'status.hostIPs':
      return ips(pod.status?.hostIPs).join(',');
    case 'status.podIP':
      return ips(pod.status?.podIPs)[0] ?? String(pod.status?.podIP ?? '');
    case 'status.podIPs':
      return ips(pod.status?.podIPs).join(',');
  }
  throw new ConfigError(`unsupported fieldPath: ${path}`);
}

const ceilDiv = (a: bigint, b: bigint) => (a <= 0n ? 0n : (a + b - 1n) / b);

/** containerResourceRuntimeValue: a request or limit over its divisor, rounded up; unset limits read the node's allocatable. */
function resourceValue(pod: KubeObject, container: any, ref: any, allocatable: Record<string, unknown> | undefined): string {
  const all = [...list(pod.spec?.initContainers), ...list(pod.spec?.containers)];
  const target = ref.containerName ? all.find((c) => c?.name === ref.containerName) : container;
  if (!target) throw new ConfigError(`container ${ref.containerName} not found`);
  const m = /^(limits|requests)\.(.+)$/.exec(String(ref.resource ?? ''));
  const resource = m?.[2] ?? '';
  const kind = resource === 'cpu' ? 'cpu' : ['memory', 'ephemeral-storage'].includes(resource) || resource.startsWith('hugepages-') ? 'bytes' : undefined;
  if (!m || !kind) throw new ConfigError(`unsupported container resource : ${ref.resource}`);
  let q = target.resources?.[m[1]]?.[resource];
  // MergeContainerResourceLimits: the node's allocatable stands in for a missing limit.
  if (q === undefined && m[1] === 'limits') q = allocatable?.[resource];
  const value = parseQuantity(q ?? '0') ?? 0n;
  const divisor = parseQuantity(ref.divisor ?? '1');
  if (divisor === undefined || divisor <= 0n) throw new ConfigError(`invalid divisor ${ref.divisor}`);
  // CPU in millis (the divisor may be 1m), bytes as whole values, as the kubelet converts them.
  const [v, d] = kind === 'cpu' ? [milliValue(value), milliValue(divisor)] : [ceilDiv(value, 1_000_000_000n), ceilDiv(divisor, 1_000_000_000n)];
  return String(ceilDiv(v, d > 0n ? d : 1n));
}

/** The ConfigMap or Secret an env source names; undefined when it is missing and optional. */
function source(lookups: EnvLookups, kind: 'configmap' | 'secret', ref: any): KubeObject | undefined {
  const name = String(ref?.name ?? '');
  const obj = kind === 'configmap' ? lookups.configMap(name) : lookups.secret(name);
  if (!obj && ref?.optional !== true) throw new ConfigError(`${kind} "${name}" not found`);
  return obj;
}

/**
 * The environment of `container` in `pod`: service variables (those the container's own variables do
 * not define), then envFrom and env in declaration order, a later definition replacing the value of an
 * earlier one in place. A real kubelet hands them over in Go map order, that is in no fixed order.
 */
export function containerEnv(pod: KubeObject, container: any, services: ServiceSnapshot[], lookups: EnvLookups): EnvResult {
  const serviceEnv = new Map(serviceEnvVars(services).map((v) => [v.name, v.value]));
  const own = new Map<string, string>();
  try {
    for (const from of list(container?.envFrom)) {
      const prefix = String(from?.prefix ?? '');
      if (from?.configMapRef) {
        const cm = source(lookups, 'configmap', from.configMapRef);
        for (const k of Object.keys(cm?.data ?? {}).sort()) own.set(prefix + k, String(cm!.data[k]));
      } else if (from?.secretRef) {
        const secret = source(lookups, 'secret', from.secretRef);
        for (const k of Object.keys(secret?.data ?? {}).sort()) own.set(prefix + k, secretText(secret!.data[k]));
      }
    }
    const lookup = (name: string) => own.get(name) ?? serviceEnv.get(name);
    for (const e of list(container?.env)) {
      const name = String(e?.name ?? '');
      let value = String(e?.value ?? '');
      const from = e?.valueFrom;
      if (value !== '') value = expand(value, lookup);
      else if (from?.fieldRef) value = fieldValue(pod, String(from.fieldRef.fieldPath ?? ''));
      else if (from?.resourceFieldRef) value = resourceValue(pod, container, from.resourceFieldRef, lookups.nodeAllocatable);
      else if (from?.configMapKeyRef || from?.secretKeyRef) {
        const isCM = !!from.configMapKeyRef;
        const ref = from.configMapKeyRef ?? from.secretKeyRef;
        const obj = source(lookups, isCM ? 'configmap' : 'secret', ref);
        if (!obj) continue;
        const key = String(ref.key ?? '');
        const data = obj.data ?? {};
        if (!Object.hasOwn(data, key)) {
          if (ref.optional === true) continue;
          throw new ConfigError(`couldn't find key ${key} in ${isCM ? 'ConfigMap' : 'Secret'} ${pod.metadata.namespace}/${ref.name}`);
        }
        value = isCM ? String(data[key]) : secretText(data[key]);
      }
      own.set(name, value);
    }
  } catch (e) {
    if (e instanceof ConfigError) return { error: e.message };
    throw e;
  }
  const env: EnvVar[] = [];
  for (const [name, value] of serviceEnv) if (!own.has(name)) env.push({ name, value });
  for (const [name, value] of own) env.push({ name, value });
  return { env };
}
