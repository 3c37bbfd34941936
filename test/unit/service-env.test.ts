// Service environment variables and the container environment (networking.md §3), checked against the
// cases of upstream pkg/kubelet/envvars/envvars_test.go and kubelet_pods_test.go.
import { describe, expect, it } from 'vitest';
import {
  containerEnv,
  containerStarts,
  expand,
  serviceEnvVars,
  servicesForPod,
  withStarts,
  type EnvLookups,
  type ServiceSnapshot,
} from '../../src/network/service-env';
import type { KubeObject } from '../../src/resources/types';

const svc = (namespace: string, name: string, clusterIP: string, ports: any[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { clusterIP, ports, ...extra },
});
const MASTER = svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);
const KUBERNETES_VARS = {
  KUBERNETES_SERVICE_HOST: '10.96.0.1',
  KUBERNETES_SERVICE_PORT: '443',
  KUBERNETES_SERVICE_PORT_HTTPS: '443',
  KUBERNETES_PORT: 'tcp://10.96.0.1:443',
  KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
  KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
  KUBERNETES_PORT_443_TCP_PORT: '443',
  KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
};

const pod = (spec: Record<string, unknown> = {}, namespace = 'shop'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name: 'web-1', uid: 'uid-1', labels: { app: 'web' }, annotations: { team: 'blue' } },
  spec: { nodeName: 'node-1', serviceAccountName: 'default', enableServiceLinks: true, containers: [{ name: 'app', image: 'nginx' }], ...spec },
  status: { hostIP: '172.18.0.3', hostIPs: [{ ip: '172.18.0.3' }], podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }] },
});

const noLookups: EnvLookups = { configMap: () => undefined, secret: () => undefined };
const asObject = (vars: { name: string; value: string }[]) => Object.fromEntries(vars.map((v) => [v.name, v.value]));
const envOf = (p: KubeObject, container: any, services: ServiceSnapshot[], lookups = noLookups) => {
  const r = containerEnv(p, container, services, lookups);
  if ('error' in r) throw new Error(r.error);
  return r.env;
};

describe('service variables (envvars.FromServices)', () => {
  it('names and values for unnamed and named ports, TCP, UDP and SCTP, in upstream order', () => {
    const services: ServiceSnapshot[] = [
      { name: 'foo-bar', clusterIP: '1.2.3.4', ports: [{ port: 8080, protocol: 'TCP' }] },
      { name: 'abc-123', clusterIP: '5.6.7.8', ports: [{ name: 'u-d-p', port: 8081, protocol: 'UDP' }, { name: 't-c-p', port: 8081, protocol: 'TCP' }] },
      { name: 'q-u-u-x', clusterIP: '9.8.7.6', ports: [{ port: 8082, protocol: 'TCP' }, { name: '8083', port: 8083, protocol: 'TCP' }] },
      { name: 'sctp-1', clusterIP: '1.2.3.4', ports: [{ port: 777, protocol: 'SCTP' }] },
      { name: 'no-proto', clusterIP: '1.2.3.5', ports: [{ port: 80 }] },
    ];
    const vars = serviceEnvVars(services);
    expect(vars.slice(0, 7)).toEqual([
      { name: 'FOO_BAR_SERVICE_HOST', value: '1.2.3.4' },
      { name: 'FOO_BAR_SERVICE_PORT', value: '8080' },
      { name: 'FOO_BAR_PORT', value: 'tcp://1.2.3.4:8080' },
      { name: 'FOO_BAR_PORT_8080_TCP', value: 'tcp://1.2.3.4:8080' },
      { name: 'FOO_BAR_PORT_8080_TCP_PROTO', value: 'tcp' },
      { name: 'FOO_BAR_PORT_8080_TCP_PORT', value: '8080' },
      { name: 'FOO_BAR_PORT_8080_TCP_ADDR', value: '1.2.3.4' },
    ]);
    expect(vars.filter((v) => v.name.startsWith('ABC_123')).map((v) => `${v.name}=${v.value}`)).toEqual([
      'ABC_123_SERVICE_HOST=5.6.7.8',
      'ABC_123_SERVICE_PORT=8081',
      'ABC_123_SERVICE_PORT_U_D_P=8081',
      'ABC_123_SERVICE_PORT_T_C_P=8081',
      'ABC_123_PORT=udp://5.6.7.8:8081',
      'ABC_123_PORT_8081_UDP=udp://5.6.7.8:8081',
      'ABC_123_PORT_8081_UDP_PROTO=udp',
      'ABC_123_PORT_8081_UDP_PORT=8081',
      'ABC_123_PORT_8081_UDP_ADDR=5.6.7.8',
      'ABC_123_PORT_8081_TCP=tcp://5.6.7.8:8081',
      'ABC_123_PORT_8081_TCP_PROTO=tcp',
      'ABC_123_PORT_8081_TCP_PORT=8081',
      'ABC_123_PORT_8081_TCP_ADDR=5.6.7.8',
    ]);
    const all = asObject(vars);
    expect(all.Q_U_U_X_SERVICE_PORT).toBe('8082');
    expect(all.Q_U_U_X_SERVICE_PORT_8083).toBe('8083');
    expect(all.Q_U_U_X_PORT).toBe('tcp://9.8.7.6:8082');
    expect(all.Q_U_U_X_PORT_8083_TCP_ADDR).toBe('9.8.7.6');
    expect(all.SCTP_1_PORT).toBe('sctp://1.2.3.4:777');
    expect(all.SCTP_1_PORT_777_SCTP_PROTO).toBe('sctp');
    expect(all.NO_PROTO_PORT_80_TCP).toBe('tcp://1.2.3.5:80');
    expect(vars).toHaveLength(7 + 13 + 12 + 7 + 7);
  });

  it('brackets IPv6 only inside URLs', () => {
    const all = asObject(serviceEnvVars([{ name: 'super-ipv6', clusterIP: '2001:DB8::', ports: [{ name: 'u-d-p', port: 8084, protocol: 'UDP' }] }]));
    expect(all.SUPER_IPV6_SERVICE_HOST).toBe('2001:DB8::');
    expect(all.SUPER_IPV6_PORT).toBe('udp://[2001:DB8::]:8084');
    expect(all.SUPER_IPV6_PORT_8084_UDP_ADDR).toBe('2001:DB8::');
  });
});

describe('which services a pod sees (getServiceEnvVarMap)', () => {
  const services = [
    svc('shop', 'redis', '10.96.4.4', [{ port: 6379, protocol: 'TCP' }]),
    svc('shop', 'db', '10.96.5.5', [{ port: 5432, protocol: 'TCP' }]),
    svc('shop', 'headless', 'None', [{ port: 80, protocol: 'TCP' }]),
    svc('shop', 'external', '', [], { type: 'ExternalName', externalName: 'example.com' }),
    svc('other', 'elsewhere', '10.96.6.6', [{ port: 80, protocol: 'TCP' }]),
  ];

  it('own namespace with a cluster IP, plus default/kubernetes; sorted by name', () => {
    expect(servicesForPod(pod(), services, MASTER).map((s) => s.name)).toEqual(['db', 'kubernetes', 'redis']);
    const all = asObject(envOf(pod(), pod().spec.containers[0], servicesForPod(pod(), services, MASTER)));
    expect(all).toMatchObject(KUBERNETES_VARS);
    // The classic surprise: REDIS_PORT is a URL, not a number.
    expect(all.REDIS_PORT).toBe('tcp://10.96.4.4:6379');
    expect(Object.keys(all).some((n) => n.startsWith('HEADLESS_') || n.startsWith('EXTERNAL_') || n.startsWith('ELSEWHERE_'))).toBe(false);
  });

  it('enableServiceLinks: false keeps only the kubernetes service', () => {
    const p = pod({ enableServiceLinks: false });
    expect(servicesForPod(p, services, MASTER).map((s) => s.name)).toEqual(['kubernetes']);
    expect(asObject(envOf(p, p.spec.containers[0], servicesForPod(p, services, MASTER)))).toEqual(KUBERNETES_VARS);
  });

  it('a service named kubernetes in the pod namespace wins over the master', () => {
    const own = svc('shop', 'kubernetes', '10.96.9.9', [{ port: 80, protocol: 'TCP' }]);
    expect(servicesForPod(pod(), [own], MASTER)).toEqual([{ name: 'kubernetes', clusterIP: '10.96.9.9', ports: [{ port: 80, protocol: 'TCP' }] }]);
    // In default itself the master is the pod's own service, counted once.
    expect(servicesForPod(pod({}, 'default'), [MASTER], MASTER).map((s) => s.name)).toEqual(['kubernetes']);
  });

  it('services created after the container started are not seen', () => {
    const later = { ...services[0], metadata: { ...services[0].metadata, creationTimestamp: '2026-01-01T00:05:00Z' } };
    expect(servicesForPod(pod(), [later, services[1]], MASTER, '2026-01-01T00:01:00Z').map((s) => s.name)).toEqual(['db', 'kubernetes']);
  });
});

describe('container environment (makeEnvironmentVariables)', () => {
  const services = servicesForPod(pod(), [svc('shop', 'redis-master', '10.96.4.4', [{ port: 6379, protocol: 'TCP' }])], MASTER);
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', name: 'cfg' }, data: { MODE: 'prod', LEVEL: 'debug', REDIS_MASTER_PORT: '6379' } };
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'shop', name: 'db' }, data: { password: btoa('hunter2'), user: btoa('admin') } };
  const lookups: EnvLookups = {
    configMap: (n) => (n === 'cfg' ? cm : undefined),
    secret: (n) => (n === 'db' ? secret : undefined),
    nodeAllocatable: { cpu: '4', memory: '8Gi' },
  };

  it('service variables first, then envFrom and env; the container wins over a service variable', () => {
    const c = {
      name: 'app',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'db' } }],
      env: [
        { name: 'LEVEL', value: 'info' },
        { name: 'KUBERNETES_SERVICE_HOST', value: 'overridden' },
      ],
    };
    const env = envOf(pod(), c, services, lookups);
    const names = env.map((v) => v.name);
    expect(names.slice(-6)).toEqual(['LEVEL', 'MODE', 'REDIS_MASTER_PORT', 'DB_password', 'DB_user', 'KUBERNETES_SERVICE_HOST']);
    expect(names.filter((n) => n === 'KUBERNETES_SERVICE_HOST' || n === 'REDIS_MASTER_PORT')).toHaveLength(2);
    const all = asObject(env);
    expect(all).toMatchObject({ LEVEL: 'info', MODE: 'prod', DB_password: 'hunter2', DB_user: 'admin', KUBERNETES_SERVICE_HOST: 'overridden', REDIS_MASTER_PORT: '6379' });
    expect(all.REDIS_MASTER_SERVICE_HOST).toBe('10.96.4.4');
    expect(names[0]).toBe('KUBERNETES_SERVICE_PORT');
  });

  it('expands $(VAR) against earlier variables and service variables; $$ escapes; unknown stays', () => {
    const c = {
      name: 'app',
      env: [
        { name: 'ADDR', value: '$(REDIS_MASTER_SERVICE_HOST):$(REDIS_MASTER_SERVICE_PORT)' },
        { name: 'URL', value: 'redis://$(ADDR)/0' },
        { name: 'EARLY', value: '$(LATE)' },
        { name: 'LATE', value: 'x' },
        { name: 'ESCAPED', value: '$$(ADDR) costs $5 $' },
        { name: 'OPEN', value: 'a$(b' },
        { name: 'EMPTY', value: '' },
      ],
    };
    expect(asObject(envOf(pod(), c, services, lookups))).toMatchObject({
      ADDR: '10.96.4.4:6379',
      URL: 'redis://10.96.4.4:6379/0',
      EARLY: '$(LATE)',
      ESCAPED: '$(ADDR) costs $5 $',
      OPEN: 'a$(b',
      EMPTY: '',
    });
  });

  it('expand follows the upstream expansion cases', () => {
    const vars: Record<string, string> = { VAR_A: 'A', VAR_EMPTY: '' };
    const f = (s: string) => expand(s, (n) => vars[n]);
    expect(f('$(VAR_A)')).toBe('A');
    expect(f('___$(VAR_A)___')).toBe('___A___');
    expect(f('$(VAR_EMPTY)')).toBe('');
    expect(f('$$(VAR_A)')).toBe('$(VAR_A)');
    expect(f('$$$(VAR_A)')).toBe('$A');
    expect(f('$(UNKNOWN)')).toBe('$(UNKNOWN)');
    expect(f('$()')).toBe('$()');
    expect(f('$')).toBe('$');
    expect(f('$VAR_A')).toBe('$VAR_A');
  });

  it('resolves fieldRef, configMapKeyRef, secretKeyRef and resourceFieldRef', () => {
    const c = {
      name: 'app',
      resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team']" } } },
        { name: 'MISSING_LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['nope']" } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'MEM_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
        { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
        { name: 'OPTIONAL_KEY', valueFrom: { secretKeyRef: { name: 'db', key: 'nope', optional: true } } },
      ],
    };
    const all = asObject(envOf(pod(), c, services, lookups));
    expect(all).toMatchObject({
      POD_NAME: 'web-1',
      POD_NS: 'shop',
      POD_UID: 'uid-1',
      APP: 'web',
      TEAM: 'blue',
      MISSING_LABEL: '',
      POD_IP: '10.244.1.7',
      HOST_IP: '172.18.0.3',
      NODE: 'node-1',
      SA: 'default',
      MODE: 'prod',
      PASSWORD: 'hunter2',
      CPU_REQ_M: '250',
      CPU_REQ: '1',
      // No cpu limit: the node's allocatable stands in.
      CPU_LIMIT: '4',
      MEM_LIMIT_MI: '128',
      MEM_REQ: String(64 * 1024 * 1024),
    });
    expect('OPTIONAL' in all || 'OPTIONAL_KEY' in all).toBe(false);
  });

  it('a missing ConfigMap, Secret or key is a config error that names no value', () => {
    const err = (env: any[], envFrom: any[] = []) => containerEnv(pod(), { name: 'app', env, envFrom }, services, lookups);
    expect(err([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }])).toEqual({ error: 'configmap "gone" not found' });
    expect(err([], [{ secretRef: { name: 'gone' } }])).toEqual({ error: 'secret "gone" not found' });
    expect(err([{ name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: 'token' } } }])).toEqual({ error: "couldn't find key token in Secret shop/db" });
    expect(err([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }])).toEqual({ error: "couldn't find key nope in ConfigMap shop/cfg" });
    expect(err([], [{ secretRef: { name: 'gone', optional: true } }])).toEqual({ env: expect.any(Array) });
  });
});

describe('the start snapshot', () => {
  const running = (name: string, id: string, at: string) => ({ name, containerID: id, state: { running: { startedAt: at } } });

  it('finds containers with a new container ID, including ones that already exited', () => {
    const before = { containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } } }, running('b', 'containerd://1', 'T1')] };
    const after = {
      initContainerStatuses: [{ name: 'init', containerID: 'containerd://0', state: { terminated: { exitCode: 0, startedAt: 'T0' } } }],
      containerStatuses: [running('a', 'containerd://2', 'T2'), running('b', 'containerd://1', 'T1')],
    };
    expect(containerStarts(before, after)).toEqual([
      { name: 'init', containerID: 'containerd://0', startedAt: 'T0' },
      { name: 'a', containerID: 'containerd://2', startedAt: 'T2' },
    ]);
    expect(containerStarts(after, after)).toEqual([]);
  });

  it('a restart replaces that container snapshot and keeps the others', () => {
    const one: ServiceSnapshot[] = [{ name: 'kubernetes', clusterIP: '10.96.0.1', ports: [{ port: 443 }] }];
    const two: ServiceSnapshot[] = [...one, { name: 'db', clusterIP: '10.96.5.5', ports: [{ port: 5432 }] }];
    const first = withStarts(undefined, [{ name: 'a', containerID: 'c1', startedAt: 'T1' }, { name: 'b', containerID: 'c2', startedAt: 'T1' }], () => one);
    const later = withStarts(first, [{ name: 'a', containerID: 'c3', startedAt: 'T2' }], () => two);
    expect(later.containers.a).toEqual({ containerID: 'c3', startedAt: 'T2', services: two });
    expect(later.containers.b).toEqual(first.containers.b);
  });
});
