// Service environment variables as the simulated kubelet gives them to containers (networking.md §3):
// taken when a container starts, kept with the pod's runtime state (surviving a Durable Object restart),
// served by GET /v1/clusters/<id>/pods/<namespace>/<name>/env. The clock is paused and stepped.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/durable/store';
import { ORIGIN, clock, inCluster, type Kube, settle, type Signup, usePausedCluster } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

/** The sandbox API of the cluster (not the Kubernetes API). */
const sandbox = (path: string, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${s.token}`);
  return SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}${path}`, { ...init, headers });
};

async function create(path: string, json: unknown) {
  const r = await k(path, { method: 'POST', json });
  expect(r.status, await r.clone().text()).toBe(201);
  return r.json<any>();
}

const service = (name: string, spec: Record<string, unknown>) => create('/api/v1/namespaces/default/services', { metadata: { name }, spec });

const pod = (name: string, spec: Record<string, unknown> = {}) =>
  create('/api/v1/namespaces/default/pods', {
    metadata: { name },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  });

async function startAll() {
  await clock(s, { action: 'advance', seconds: 10 });
  await settle(s.id);
}

async function envOf(name: string, container = 'app'): Promise<Record<string, string>> {
  const r = await sandbox(`/pods/default/${name}/env?container=${container}`);
  expect(r.status, await r.clone().text()).toBe(200);
  const body = await r.json<any>();
  expect(body.containers).toHaveLength(1);
  expect(body.containers[0].started).toBe(true);
  return Object.fromEntries(body.containers[0].env.map((e: any) => [e.name, e.value]));
}

const runtimeRows = () => inCluster(s.id, (_i, state) => state.storage.sql.exec('SELECT key FROM runtime').toArray().map((r: any) => r.key));

describe('service environment variables', () => {
  it('has the services that existed when the container started, and keeps them', async () => {
    const redis = await service('redis-primary', { ports: [{ name: 'redis', port: 6379 }] });
    await service('headless', { clusterIP: 'None', ports: [{ port: 80 }] });
    await create('/api/v1/namespaces/default/configmaps', { metadata: { name: 'cfg' }, data: { MODE: 'prod' } });
    await create('/api/v1/namespaces/default/secrets', { metadata: { name: 'db' }, stringData: { password: 'hunter2-very-secret' } });
    const created = await pod('web', {
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          envFrom: [{ configMapRef: { name: 'cfg' } }],
          env: [
            { name: 'REDIS_ADDR', value: '$(REDIS_PRIMARY_SERVICE_HOST):$(REDIS_PRIMARY_SERVICE_PORT_REDIS)' },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
        },
      ],
    });
    await startAll();
    const podNow = await (await k('/api/v1/namespaces/default/pods/web')).json<any>();
    expect(podNow.status.phase).toBe('Running');

    const ip = redis.spec.clusterIP;
    const first = await envOf('web');
    expect(first).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      REDIS_PRIMARY_SERVICE_HOST: ip,
      REDIS_PRIMARY_SERVICE_PORT: '6379',
      REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
      REDIS_PRIMARY_PORT: `tcp://${ip}:6379`,
      REDIS_PRIMARY_PORT_6379_TCP_ADDR: ip,
      MODE: 'prod',
      REDIS_ADDR: `${ip}:6379`,
      PASSWORD: 'hunter2-very-secret',
      POD_IP: podNow.status.podIP,
    });
    expect(Object.keys(first).some((n) => n.startsWith('HEADLESS_'))).toBe(false);

    // The whole answer, for the one container.
    const whole = await (await sandbox('/pods/default/web/env')).json<any>();
    expect(whole.pod).toEqual({ namespace: 'default', name: 'web', uid: created.metadata.uid });
    expect(whole.containers.map((c: any) => [c.name, c.started])).toEqual([['app', true]]);
    expect(whole.containers[0].startedAt).toBe(podNow.status.containerStatuses[0].state.running.startedAt);

    // Services created, changed or deleted after the start leave the running container's environment alone.
    await service('late', { ports: [{ port: 8080 }] });
    const patched = await k('/api/v1/namespaces/default/services/redis-primary', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { ports: [{ name: 'redis', port: 7000 }] } }),
    });
    expect(patched.status).toBe(200);
    await startAll();
    expect(await envOf('web')).toEqual(first);
    expect((await k('/api/v1/namespaces/default/services/redis-primary', { method: 'DELETE' })).status).toBe(200);
    await startAll();
    expect(await envOf('web')).toEqual(first);

    // A pod started now sees the services as they are now.
    await pod('newer');
    await startAll();
    const newer = await envOf('newer');
    expect(newer.LATE_SERVICE_PORT).toBe('8080');
    expect(Object.keys(newer).some((n) => n.startsWith('REDIS_PRIMARY_'))).toBe(false);

    // Secret values stay out of the runtime state.
    const stored = await inCluster(s.id, (_i, state) => JSON.stringify(state.storage.sql.exec('SELECT json FROM runtime').toArray()));
    expect(stored).toContain('redis-primary');
    expect(stored).not.toContain('hunter2');
  });

  it('prints NAME=value lines for Accept: text/plain', async () => {
    await pod('plain', { enableServiceLinks: false, containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'GREETING', value: 'a=b c' }] }] });
    await service('hidden', { ports: [{ port: 80 }] });
    await startAll();
    const r = await sandbox('/pods/default/plain/env', { headers: { accept: 'text/plain' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await r.text()).split('\n');
    // enableServiceLinks: false leaves only the kubernetes service.
    expect(lines.filter((l) => l && !l.startsWith('KUBERNETES_'))).toEqual(['GREETING=a=b c']);
    expect(lines).toContain('KUBERNETES_PORT=tcp://10.96.0.1:443');
    expect(lines.at(-1)).toBe('');
  });

  it('lists a container that has not started yet without an environment', async () => {
    await pod('waiting', { initContainers: [{ name: 'setup', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 30'] }] });
    await settle(s.id);
    const body = await (await sandbox('/pods/default/waiting/env')).json<any>();
    expect(body.containers).toEqual([
      { name: 'setup', init: true, started: false },
      { name: 'app', started: false },
    ]);
    await clock(s, { action: 'advance', seconds: 5 });
    await settle(s.id);
    const during = await (await sandbox('/pods/default/waiting/env')).json<any>();
    expect(during.containers.map((c: any) => [c.name, c.started])).toEqual([['setup', true], ['app', false]]);
    expect(during.containers[0].env.some((e: any) => e.name === 'KUBERNETES_SERVICE_HOST')).toBe(true);
    const text = await sandbox('/pods/default/waiting/env?container=app', { headers: { accept: 'text/plain' } });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'container "app" in pod "waiting" is waiting to start: PodInitializing' });
  });

  it('survives a restart of the Durable Object and is removed with the pod', async () => {
    const cache = await service('cache', { ports: [{ port: 11211, protocol: 'UDP' }] });
    await pod('keeper');
    await pod('gone');
    await startAll();
    const before = await envOf('keeper');
    expect(before.CACHE_PORT).toBe(`udp://${cache.spec.clusterIP}:11211`);
    expect(await runtimeRows()).toHaveLength(2);

    // A restart: a fresh store read from SQLite, and kubelets with empty memories.
    await inCluster(s.id, (instance, state) => {
      instance.store = Store.open(state.storage, instance.cipher);
    });
    expect((await k('/api/v1/namespaces/default/services/cache', { method: 'DELETE' })).status).toBe(200);
    expect(await envOf('keeper')).toEqual(before);

    // Deleted before the restarted kubelet ever ran: its row still goes.
    const del = await k('/api/v1/namespaces/default/pods/gone', { method: 'DELETE', json: { gracePeriodSeconds: 0 } });
    expect(del.status).toBe(200);
    await settle(s.id);
    const keeper = await (await k('/api/v1/namespaces/default/pods/keeper')).json<any>();
    expect(await runtimeRows()).toEqual([keeper.metadata.uid]);

    // A graceful delete: the kubelet stops the pod, deletes it and its row.
    expect((await k('/api/v1/namespaces/default/pods/keeper', { method: 'DELETE' })).status).toBe(200);
    await clock(s, { action: 'advance', seconds: 40 });
    await settle(s.id);
    expect((await k('/api/v1/namespaces/default/pods/keeper')).status).toBe(404);
    expect(await runtimeRows()).toEqual([]);
  });

  it('answers Status errors for unknown pods and containers and malformed requests', async () => {
    await pod('web');
    await startAll();
    const status = async (path: string, init: RequestInit = {}) => {
      const r = await sandbox(path, init);
      return { code: r.status, body: await r.json<any>() };
    };
    expect(await status('/pods/default/nope/env')).toEqual({
      code: 404,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 },
    });
    expect(await status('/pods/other/web/env')).toMatchObject({ code: 404, body: { reason: 'NotFound' } });
    expect(await status('/pods/default/web/env?container=sidecar')).toMatchObject({
      code: 404,
      body: { reason: 'NotFound', message: 'container "sidecar" not found in pod "web"' },
    });
    expect(await status('/pods/default/env')).toMatchObject({ code: 404, body: { message: 'the server could not find the requested resource' } });
    expect(await status('/pods/default/web/env/extra')).toMatchObject({ code: 404, body: { kind: 'Status' } });
    expect(await status('/pods/%E0%A4%A/web/env')).toMatchObject({ code: 400, body: { reason: 'BadRequest' } });
    expect(await status('/pods/default/web/env', { method: 'DELETE' })).toMatchObject({ code: 405, body: { reason: 'MethodNotAllowed' } });
    expect(await status('/pods/default/web/env', { headers: { accept: 'application/xml' } })).toMatchObject({ code: 406, body: { reason: 'NotAcceptable' } });
    // Nothing changed: the pod still answers.
    expect((await sandbox('/pods/default/web/env')).status).toBe(200);
  });
});
