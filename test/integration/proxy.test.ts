// Reaching services and pods: the API server's proxy subresources, node ports and load-balancer addresses,
// answered by a simulated backend after kube-proxy's choice. Pods are run by the simulated kubelets with the
// clock paused and stepped; no connection is ever made to a sandbox address.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORIGIN, TABLE_ACCEPT, clock, type Kube, settle, type Signup, usePausedCluster } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

const SIM = 'sim.kube-sandbox.dev/';
const NS = '/api/v1/namespaces/default';

async function pod(name: string, node: string, annotations: Record<string, string> = {}) {
  const r = await k(`${NS}/pods`, {
    method: 'POST',
    json: {
      metadata: { name, labels: { app: 'web', pod: name }, annotations },
      spec: { nodeName: node, containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 80 }] }] },
    },
  });
  expect(r.status, await r.clone().text()).toBe(201);
}

async function service(name: string, spec: Record<string, unknown>) {
  const r = await k(`${NS}/services`, { method: 'POST', json: { metadata: { name }, spec } });
  expect(r.status, await r.clone().text()).toBe(201);
  return r.json<any>();
}

/** Lets the kubelets start the pods and the controllers publish their endpoints. */
async function run() {
  await clock(s, { action: 'advance', seconds: 10 });
  await settle(s.id);
}

/** Three ready pods (one per node) behind `web`, whose port 80 targets the pods' named port. */
async function threePods() {
  await pod('web-a', 'node-1');
  await pod('web-b', 'node-2');
  await pod('web-c', 'node-3');
  await service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
  await run();
}

const proxy = (id: string, path = '/', init: RequestInit = {}) => k(`${NS}/services/${id}/proxy${path}`, init);
const firstLine = async (r: Response) => (await r.text()).split('\n')[0];
const whoAnswered = async (r: Response) => /^Hello from (\S+) /.exec(await firstLine(r))?.[1];

/** The sandbox API of this cluster (node ports, load balancers). */
const sandbox = (path: string, init: RequestInit = {}) =>
  SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${s.token}` } });

async function expectStatus(r: Response, code: number, reason: string, message: string) {
  const body = await r.json<any>();
  expect(r.status, JSON.stringify(body)).toBe(code);
  expect(body).toMatchObject({ kind: 'Status', status: 'Failure', reason, message, code });
}

describe('services/proxy', () => {
  it('answers as one of the ready pods, spread at random over all of them', async () => {
    await threePods();
    const ips = Object.fromEntries(
      await Promise.all(['web-a', 'web-b', 'web-c'].map(async (n) => [n, (await (await k(`${NS}/pods/${n}`)).json<any>()).status.podIP])),
    );
    const r = await proxy('web:80', '/hello/world?x=1&y=2');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const [hello, requestLine, podLine] = (await r.text()).split('\n');
    const name = /^Hello from (web-[abc]) /.exec(hello)![1];
    const node = { 'web-a': 'node-1', 'web-b': 'node-2', 'web-c': 'node-3' }[name];
    expect(hello).toBe(`Hello from ${name} (${ips[name]}:80) on ${node}`);
    expect(requestLine).toBe('GET /hello/world?x=1&y=2 HTTP/1.1');
    expect(podLine).toBe(`pod: default/${name}`);

    const seen = new Set<string | undefined>();
    for (let i = 0; i < 30; i++) seen.add(await whoAnswered(await proxy('web:http')));
    expect(seen.size).toBeGreaterThan(1);
    for (const n of seen) expect(['web-a', 'web-b', 'web-c']).toContain(n);
  });

  it('answers JSON to a client that asks for it, and counts a body', async () => {
    await threePods();
    const r = await proxy('https:web:80', '/api/items?page=2', { method: 'POST', body: 'hello there', headers: { accept: 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const body = await r.json<any>();
    expect(body).toMatchObject({ namespace: 'default', port: 80, request: { method: 'POST', path: '/api/items', query: 'page=2', bodyBytes: 11 } });
    expect(body.pod).toMatch(/^web-[abc]$/);
    expect(body.node).toMatch(/^node-[123]$/);
    expect(body.ip).toMatch(/^10\.244\.\d+\.\d+$/);
    // kubectl's `application/json, */*` gets the plain text an echo server would send anyway.
    expect(await firstLine(await proxy('web:80', '/', { headers: { accept: 'application/json, */*' } }))).toMatch(/^Hello from web-/);
    const put = await proxy('web:80', '/x', { method: 'PUT', body: new Uint8Array(1000) });
    expect((await put.text()).split('\n')).toContain('body: 1000 bytes');
    const head = await proxy('web:80', '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('keeps a client on one pod with ClientIP affinity', async () => {
    await threePods();
    const patched = await k(`${NS}/services/web`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      json: { spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } } },
    });
    expect(patched.status).toBe(200);
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` } });
    const pinned = new Set<string | undefined>();
    for (let i = 0; i < 20; i++) pinned.add(await whoAnswered(await proxy('web:80', '/', from('203.0.113.7'))));
    expect(pinned.size).toBe(1);
    // Other clients are spread, each pinned in turn.
    const clients = new Set<string | undefined>();
    for (let i = 0; i < 20; i++) clients.add(await whoAnswered(await proxy('web:80', '/', { headers: { 'x-real-ip': `198.51.100.${i}` } })));
    expect(clients.size).toBeGreaterThan(1);
    const again = await whoAnswered(await proxy('web:80', '/', { headers: { 'x-real-ip': '198.51.100.3' } }));
    expect(await whoAnswered(await proxy('web:80', '/', { headers: { 'x-real-ip': '198.51.100.3' } }))).toBe(again);
  });

  it('answers the bare proxy path as the root', async () => {
    await threePods();
    const r = await k(`${NS}/services/web:80/proxy?a=b`);
    expect(r.status).toBe(200);
    expect((await r.text()).split('\n')[1]).toBe('GET /?a=b HTTP/1.1');
  });

  it('answers 503 without usable endpoints, with the messages of upstream', async () => {
    await service('empty', { selector: { app: 'nothing' }, ports: [{ port: 80 }] });
    await pod('slow', 'node-1', { [`${SIM}ready`]: 'false' });
    await service('unready', { selector: { pod: 'slow' }, ports: [{ port: 80 }] });
    await run();
    await expectStatus(await proxy('empty:80'), 503, 'ServiceUnavailable', 'no endpoints available for service "empty"');
    await expectStatus(await proxy('empty'), 503, 'ServiceUnavailable', 'no endpoints available for service "empty"');
    await expectStatus(await proxy('unready:80'), 503, 'ServiceUnavailable', 'no endpoints available for service "unready:80"');
  });

  it('answers 404 for a missing service, 503 for unknown ports, 400 for malformed ids', async () => {
    await threePods();
    await expectStatus(await proxy('nope:80'), 404, 'NotFound', 'services "nope" not found');
    // Without a port number upstream looks up the Endpoints object, so that is what is not found.
    await expectStatus(await proxy('nope'), 404, 'NotFound', 'endpoints "nope" not found');
    await expectStatus(await proxy('web:81'), 503, 'ServiceUnavailable', 'no service port 81 found for service "web"');
    await expectStatus(await proxy('web:admin'), 503, 'ServiceUnavailable', 'no endpoints available for service "web:admin"');
    // The only port is named: an id without a port asks for the unnamed one.
    await expectStatus(await proxy('web'), 503, 'ServiceUnavailable', 'no endpoints available for service "web"');
    await expectStatus(await proxy('a:b:c:d'), 400, 'BadRequest', 'invalid service request "a:b:c:d"');
    await expectStatus(await proxy('ftp:web:80'), 400, 'BadRequest', 'invalid service request "ftp:web:80"');
    await expectStatus(await proxy(':80'), 400, 'BadRequest', 'invalid service request ":80"');
    await expectStatus(await proxy('web%zz'), 400, 'BadRequest', 'invalid URL escape in "web%zz"');
    const propfind = await proxy('web:80', '/', { method: 'PROPFIND' });
    expect(propfind.status).toBe(405);
    // Not namespaced: no such route.
    expect((await k('/api/v1/services/web:80/proxy/')).status).toBe(404);
  });

  it('lists the proxy subresources in discovery', async () => {
    const list = await (await k('/api/v1')).json<any>();
    const byName = Object.fromEntries(list.resources.map((r: any) => [r.name, r]));
    expect(byName['pods/proxy']).toEqual({ name: 'pods/proxy', singularName: '', namespaced: true, kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] });
    expect(byName['services/proxy']).toMatchObject({ kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] });
  });
});

describe('pods/proxy', () => {
  it('answers as the pod at its first container port, or the one asked for', async () => {
    await threePods();
    const ip = (await (await k(`${NS}/pods/web-b`)).json<any>()).status.podIP;
    const r = await k(`${NS}/pods/web-b/proxy/status?full=1`);
    expect(r.status).toBe(200);
    expect((await r.text()).split('\n').slice(0, 2)).toEqual([`Hello from web-b (${ip}:80) on node-2`, 'GET /status?full=1 HTTP/1.1']);
    expect(await firstLine(await k(`${NS}/pods/http:web-b:8080/proxy/`))).toBe(`Hello from web-b (${ip}:8080) on node-2`);
  });

  it('refuses pods without an address, missing pods and malformed ids', async () => {
    await k(`${NS}/pods`, { method: 'POST', json: { metadata: { name: 'unscheduled' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
    await expectStatus(await k(`${NS}/pods/unscheduled/proxy/`), 400, 'BadRequest', 'address not allowed');
    await expectStatus(await k(`${NS}/pods/ghost/proxy/`), 404, 'NotFound', 'pods "ghost" not found');
    await expectStatus(await k(`${NS}/pods/a:b:c:d/proxy/`), 400, 'BadRequest', 'invalid pod request "a:b:c:d"');
  });
});

describe('node ports and load balancers', () => {
  it('routes a node port to the service, honouring externalTrafficPolicy Local', async () => {
    await threePods();
    await service('np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, nodePort: 30080 }] });
    await service('only-a', { type: 'NodePort', externalTrafficPolicy: 'Local', selector: { pod: 'web-a' }, ports: [{ port: 80, nodePort: 30081 }] });
    await run();
    const r = await sandbox('/nodes/node-2/ports/30080/index.html?v=1');
    expect(r.status).toBe(200);
    const [hello, line] = (await r.text()).split('\n');
    expect(hello).toMatch(/^Hello from web-[abc] \(10\.244\.\d+\.\d+:80\) on node-[123]$/);
    expect(line).toBe('GET /index.html?v=1 HTTP/1.1');
    expect((await (await sandbox('/nodes/node-3/ports/30080')).text()).split('\n')[1]).toBe('GET / HTTP/1.1');

    // Local: only the entry node's own endpoints; a node without any drops the traffic (the client times out).
    for (let i = 0; i < 5; i++) expect(await whoAnswered(await sandbox('/nodes/node-1/ports/30081/'))).toBe('web-a');
    await expectStatus(await sandbox('/nodes/node-2/ports/30081/'), 504, 'Timeout', 'dial tcp 172.18.0.4:30081: i/o timeout');

    await expectStatus(await sandbox('/nodes/node-1/ports/30099/'), 503, 'ServiceUnavailable', 'dial tcp 172.18.0.3:30099: connect: connection refused');
    await expectStatus(await sandbox('/nodes/node-9/ports/30080/'), 404, 'NotFound', 'nodes "node-9" not found');
    await expectStatus(await sandbox('/nodes/node-1/ports/http/'), 400, 'BadRequest', 'invalid port "http": must be a number between 1 and 65535');
    await expectStatus(await sandbox('/nodes/node-1/ports/70000/'), 400, 'BadRequest', 'invalid port "70000": must be a number between 1 and 65535');
  });

  it('gives LoadBalancer services pool addresses and routes them', async () => {
    await threePods();
    await service('lb1', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] });
    await service('lb2', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80 }] });
    await service('classy', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb', selector: { app: 'web' }, ports: [{ port: 80 }] });
    await run();
    const status = async (n: string) => (await (await k(`${NS}/services/${n}`)).json<any>()).status;
    expect(await status('lb1')).toEqual({ loadBalancer: { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }] } });
    expect(await status('lb2')).toEqual({ loadBalancer: { ingress: [{ ip: '172.18.255.201', ipMode: 'VIP' }] } });
    expect(await status('classy')).toEqual({ loadBalancer: {} });

    const events = (await (await k(`${NS}/events?fieldSelector=involvedObject.name%3Dlb1`)).json<any>()).items;
    expect(events.map((e: any) => [e.reason, e.message, e.source.component])).toEqual([
      ['EnsuringLoadBalancer', 'Ensuring load balancer', 'service-controller'],
      ['EnsuredLoadBalancer', 'Ensured load balancer', 'service-controller'],
    ]);

    const table = await (await k(`${NS}/services/lb1`, { headers: { accept: TABLE_ACCEPT } })).json<any>();
    expect(table.rows[0].cells[3]).toBe('172.18.255.200');
    expect(table.rows[0].cells[4]).toMatch(/^80:3\d{4}\/TCP$/);

    expect(await firstLine(await sandbox('/loadbalancers/172.18.255.201/ports/8080/'))).toMatch(/^Hello from web-[abc] \(10\.244\.\d+\.\d+:80\) on node-[123]$/);
    await expectStatus(await sandbox('/loadbalancers/172.18.255.201/ports/80/'), 503, 'ServiceUnavailable', 'dial tcp 172.18.255.201:80: connect: connection refused');
    await expectStatus(await sandbox('/loadbalancers/172.18.255.209/ports/80/'), 404, 'NotFound', 'no load balancer has the address "172.18.255.209"');

    // An address is free again once its service is gone or no longer a load balancer.
    expect((await k(`${NS}/services/lb1`, { method: 'DELETE' })).status).toBe(200);
    await k(`${NS}/services/lb2`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { spec: { type: 'ClusterIP' } } });
    expect(await status('lb2')).toEqual({ loadBalancer: {} });
    await service('lb3', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] });
    await settle(s.id);
    expect((await status('lb3')).loadBalancer.ingress[0].ip).toBe('172.18.255.200');
  });
});
