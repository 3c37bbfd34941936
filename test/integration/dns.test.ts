// Service DNS through the Worker: DNS over HTTPS (GET ?dns=, POST application/dns-message), the JSON
// form, the token-in-path form dig/kdig need, and the pod's-eye resolve API, against a cluster whose
// pods the simulated kubelets started (clock paused and stepped, control plane settled).
import { SELF } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { clock, ORIGIN, settle, type Kube, type Signup, usePausedCluster } from './helpers';
import { CLASS_IN, RCODE, TYPE, decodeMessage, encodeMessage, type Message } from '../../src/dns/wire';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

const query = (name: string, type: number, id = 0x1234): Uint8Array =>
  encodeMessage({
    id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: true, cd: false, rcode: 0,
    questions: [{ name, type, class: CLASS_IN }], answers: [], authority: [], additional: [],
    edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [{ code: 10, data: new Uint8Array(8) }] },
  });
const b64url = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function wire(res: Response): Promise<Message> {
  if (res.status !== 200) expect.fail(`${res.status}: ${await res.text()}`);
  expect(res.headers.get('content-type')).toBe('application/dns-message');
  return decodeMessage(new Uint8Array(await res.arrayBuffer()));
}
const get = (name: string, type: number) => k(`/dns-query?dns=${b64url(query(name, type))}`, { headers: { accept: 'application/dns-message' } });
const post = (body: Uint8Array, contentType = 'application/dns-message') => k('/dns-query', { method: 'POST', headers: { 'content-type': contentType }, body });
const sandbox = (path: string) => SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}${path}`, { headers: { authorization: `Bearer ${s.token}` } });

async function create(path: string, obj: unknown) {
  const r = await k(path, { method: 'POST', json: obj });
  expect(r.status, await r.clone().text()).toBe(201);
  return r.json<any>();
}
const pod = (name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}) =>
  create('/api/v1/namespaces/default/pods', { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'redis', ports: [{ containerPort: 6379 }] }], ...spec } });

let redisIP: string;
let redisPodIP: string;
let webPodIP: string;

beforeEach(async () => {
  await pod('redis-0', { app: 'redis' }, { nodeName: 'node-1' });
  await pod('frontend-x1', { app: 'frontend' }, { nodeName: 'node-2' });
  await pod('web-0', { app: 'web' }, { nodeName: 'node-3', hostname: 'web-0', subdomain: 'web' });
  const svc = await create('/api/v1/namespaces/default/services', {
    metadata: { name: 'redis-master' },
    spec: { selector: { app: 'redis' }, ports: [{ name: 'redis', port: 6379, targetPort: 6379 }] },
  });
  redisIP = svc.spec.clusterIP;
  await create('/api/v1/namespaces/default/services', { metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } });
  await create('/api/v1/namespaces/default/services', { metadata: { name: 'nobody' }, spec: { clusterIP: 'None', selector: { app: 'none' }, ports: [{ port: 80 }] } });
  await clock(s, { action: 'advance', seconds: 10 });
  await settle(s.id);
  const podIP = async (n: string) => (await (await k(`/api/v1/namespaces/default/pods/${n}`)).json<any>()).status.podIP as string;
  [redisPodIP, webPodIP] = [await podIP('redis-0'), await podIP('web-0')];
  expect(redisPodIP).toMatch(/^10\.244\./);
});

describe('DNS over HTTPS (RFC 8484)', () => {
  it('GET ?dns= answers a service A record: ID and RD echoed, qr aa, no ra, EDNS echoed, max-age = TTL', async () => {
    const res = await get('redis-master.default.svc.cluster.local', TYPE.A);
    expect(res.headers.get('cache-control')).toBe('max-age=30');
    const m = await wire(res);
    expect(m).toMatchObject({ id: 0x1234, qr: true, aa: true, rd: true, ra: false, rcode: RCODE.NOERROR });
    expect(m.questions).toEqual([{ name: 'redis-master.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN }]);
    expect(m.answers).toEqual([{ name: 'redis-master.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN, ttl: 30, data: redisIP }]);
    expect(m.edns).toEqual({ udpSize: 1232, version: 0, dnssecOk: false, options: [] });
  });

  it('POST application/dns-message answers SRV for a named port, with the target address', async () => {
    const m = await wire(await post(query('_redis._tcp.redis-master.default.svc.cluster.local', TYPE.SRV)));
    expect(m.answers.map((r) => r.data)).toEqual([{ priority: 0, weight: 100, port: 6379, target: 'redis-master.default.svc.cluster.local' }]);
    expect(m.additional.map((r) => r.data)).toEqual([redisIP]);
  });

  it('a missing service is NXDOMAIN with the SOA, still HTTP 200', async () => {
    const res = await get('nope.default.svc.cluster.local', TYPE.A);
    const m = await wire(res);
    expect(m.rcode).toBe(RCODE.NXDOMAIN);
    expect(m.answers).toEqual([]);
    expect(m.authority.map((r) => [r.name, r.type, r.ttl])).toEqual([['cluster.local', TYPE.SOA, 30]]);
    expect(res.headers.get('cache-control')).toBe('max-age=30');
  });

  it('headless services: ready pods by IP and by hostname, NXDOMAIN without ready endpoints', async () => {
    expect((await wire(await get('web.default.svc.cluster.local', TYPE.A))).answers.map((r) => r.data)).toEqual([webPodIP]);
    expect((await wire(await get('web-0.web.default.svc.cluster.local', TYPE.A))).answers.map((r) => r.data)).toEqual([webPodIP]);
    const none = await wire(await get('nobody.default.svc.cluster.local', TYPE.A));
    expect(none.rcode).toBe(RCODE.NXDOMAIN);
  });

  it('PTR for a cluster IP and for a pod behind a service', async () => {
    const rev = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
    expect((await wire(await get(rev(redisIP), TYPE.PTR))).answers.map((r) => r.data)).toEqual(['redis-master.default.svc.cluster.local']);
    expect((await wire(await get(rev(redisPodIP), TYPE.PTR))).answers.map((r) => r.data)).toEqual([`${redisPodIP.replaceAll('.', '-')}.redis-master.default.svc.cluster.local`]);
  });

  it('a message that is not one question is FORMERR (HTTP 200); an opcode other than QUERY is NOTIMP', async () => {
    const two = decodeMessage(query('a.default.svc.cluster.local', TYPE.A));
    two.questions.push({ name: 'b.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN });
    expect((await wire(await post(encodeMessage(two)))).rcode).toBe(RCODE.FORMERR);
    expect((await wire(await post(encodeMessage({ ...two, questions: [], opcode: 2 })))).rcode).toBe(RCODE.NOTIMP);
  });

  it('bad requests get a Status and no DNS answer', async () => {
    const status = async (res: Response, code: number, message: RegExp) => {
      expect(res.status).toBe(code);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = await res.json<any>();
      expect(body).toMatchObject({ kind: 'Status', status: 'Failure', code });
      expect(body.message).toMatch(message);
    };
    await status(await k('/dns-query?dns=***'), 400, /not base64url/);
    await status(await k(`/dns-query?dns=${b64url(query('x.cluster.local', TYPE.A).slice(0, 20))}`), 400, /invalid DNS message: message is truncated/);
    await status(await k(`/dns-query?dns=${b64url(Uint8Array.of(0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1))}`), 400, /pointer/);
    await status(await k('/dns-query'), 400, /"dns" parameter/);
    await status(await post(query('x.cluster.local', TYPE.A), 'application/json'), 415, /application\/dns-message/);
    await status(await post(new Uint8Array(3)), 400, /header/);
    await status(await k('/dns-query', { method: 'PUT', body: 'x' }), 405, /does not allow/);
    const reply = encodeMessage({ ...decodeMessage(query('x.cluster.local', TYPE.A)), qr: true });
    await status(await post(reply), 400, /response, not a query/);
  });
});

describe('the JSON form (application/dns-json)', () => {
  it('GET ?name=&type= answers in the Google/Cloudflare schema', async () => {
    const res = await k('/dns-query?name=redis-master.default.svc.cluster.local&type=A');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/dns-json');
    expect(await res.json()).toEqual({
      Status: 0, TC: false, RD: true, RA: false, AD: false, CD: false,
      Question: [{ name: 'redis-master.default.svc.cluster.local.', type: 1 }],
      Answer: [{ name: 'redis-master.default.svc.cluster.local.', type: 1, TTL: 30, data: redisIP }],
    });
  });

  it('types by number or name; negative answers carry the SOA in Authority; TXT data is quoted', async () => {
    const srv = await (await k('/dns-query?name=_redis._tcp.redis-master.default.svc.cluster.local.&type=33')).json<any>();
    expect(srv.Answer).toEqual([{ name: '_redis._tcp.redis-master.default.svc.cluster.local.', type: 33, TTL: 30, data: '0 100 6379 redis-master.default.svc.cluster.local.' }]);
    const nx = await (await k('/dns-query?name=nope.default.svc.cluster.local&type=aaaa')).json<any>();
    expect(nx.Status).toBe(3);
    expect(nx.Answer).toBeUndefined();
    expect(nx.Authority[0].data).toMatch(/^ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30$/);
    const txt = await (await k('/dns-query?name=dns-version.cluster.local&type=TXT')).json<any>();
    expect(txt.Answer).toEqual([{ name: 'dns-version.cluster.local.', type: 16, TTL: 28800, data: '"1.1.0"' }]);
  });

  it('Accept: application/dns-json turns a wire query into a JSON answer', async () => {
    const res = await k(`/dns-query?dns=${b64url(query('redis-master.default.svc.cluster.local', TYPE.A))}`, { headers: { accept: 'application/dns-json' } });
    expect(res.headers.get('content-type')).toBe('application/dns-json');
    expect((await res.json<any>()).Answer[0].data).toBe(redisIP);
  });

  it('bad parameters are 400', async () => {
    for (const [params, message] of [
      ['name=', /1 to 253/],
      [`name=${'a'.repeat(254)}`, /1 to 253/],
      [`name=${'a'.repeat(64)}.local`, /longer than 63/],
      ['name=a..b', /empty label/],
      ['name=x.cluster.local&type=BOGUS', /"type"/],
      ['name=x.cluster.local&type=70000', /"type"/],
      ['name=x.cluster.local&cd=maybe', /"cd"/],
    ] as const) {
      const res = await k(`/dns-query?${params}`);
      expect(res.status, params).toBe(400);
      expect((await res.json<any>()).message, params).toMatch(message);
    }
  });
});

describe('the token in the path (for dig and kdig)', () => {
  const byPath = (token: string, init: RequestInit = {}) =>
    SELF.fetch(`${s.server}/dns-query/${token}?dns=${b64url(query('redis-master.default.svc.cluster.local', TYPE.A))}`, init);

  it('answers with the cluster token as the last path segment and no header', async () => {
    const m = await wire(await byPath(s.token));
    expect(m.answers.map((r) => r.data)).toEqual([redisIP]);
    const posted = await SELF.fetch(`${s.server}/dns-query/${s.token}`, { method: 'POST', headers: { 'content-type': 'application/dns-message' }, body: query('web.default.svc.cluster.local', TYPE.A) });
    expect((await wire(posted)).answers.map((r) => r.data)).toEqual([webPodIP]);
  });

  it('a wrong token is 401, even with a valid header; no token at all is 401', async () => {
    expect((await byPath('not-the-token')).status).toBe(401);
    expect((await byPath('not-the-token', { headers: { authorization: `Bearer ${s.token}` } })).status).toBe(401);
    expect((await SELF.fetch(`${s.server}/dns-query?name=kubernetes.default.svc.cluster.local`)).status).toBe(401);
  });

  it('works for DNS only: the token in another path is not a credential', async () => {
    expect((await SELF.fetch(`${s.server}/api/v1/namespaces/${s.token}`)).status).toBe(401);
  });
});

describe('the pod’s view: /v1/clusters/<id>/resolve', () => {
  it('expands a short name with the pod’s search path: the first candidate answers', async () => {
    const res = await sandbox('/resolve?name=redis-master&from=default/frontend-x1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'redis-master',
      type: 'A',
      from: { namespace: 'default', pod: 'frontend-x1' },
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      ndots: 5,
      rcode: 'NOERROR',
      answers: [{ name: 'redis-master.default.svc.cluster.local.', type: 1, TTL: 30, data: redisIP }],
      tried: [{ name: 'redis-master.default.svc.cluster.local.', rcode: 'NOERROR', answers: 1 }],
    });
  });

  it('tries every candidate, says why each failed, and ends with the name as is (never forwarded)', async () => {
    const body = await (await sandbox('/resolve?name=nope&from=kube-system')).json<any>();
    expect(body.from).toEqual({ namespace: 'kube-system' });
    expect(body.rcode).toBe('NXDOMAIN');
    expect(body.answers).toEqual([]);
    expect(body.tried).toEqual([
      { name: 'nope.kube-system.svc.cluster.local.', rcode: 'NXDOMAIN', answers: 0, why: 'no service "nope" in namespace "kube-system"' },
      { name: 'nope.svc.cluster.local.', rcode: 'NXDOMAIN', answers: 0, why: 'namespace "nope" does not exist' },
      { name: 'nope.cluster.local.', rcode: 'NXDOMAIN', answers: 0, why: '"nope" is neither svc nor pod' },
      { name: 'nope.', rcode: 'NXDOMAIN', answers: 0, why: expect.stringMatching(/outside cluster\.local.*forwards nothing/) },
    ]);
  });

  it('a name in another namespace resolves on the second candidate; default namespace when from is omitted', async () => {
    const body = await (await sandbox('/resolve?name=kubernetes.default&from=kube-system')).json<any>();
    expect(body.tried.map((t: any) => t.rcode)).toEqual(['NXDOMAIN', 'NOERROR']);
    expect(body.answers[0].data).toBe('10.96.0.1');
    const srv = await (await sandbox('/resolve?name=_redis._tcp.redis-master&type=SRV')).json<any>();
    expect(srv.from).toEqual({ namespace: 'default' });
    expect(srv.answers[0].data).toBe('0 100 6379 redis-master.default.svc.cluster.local.');
    const absolute = await (await sandbox('/resolve?name=redis-master.default.svc.cluster.local.')).json<any>();
    expect(absolute.tried).toHaveLength(1);
  });

  it('bad input: 400 for the name, type or from; 404 for a pod or namespace that does not exist', async () => {
    for (const [params, code, message] of [
      ['', 400, /"name" is required/],
      ['name=a..b', 400, /empty label/],
      ['name=x&type=NOPE', 400, /"type"/],
      ['name=x&from=a/b/c', 400, /"from"/],
      ['name=x&from=default/ghost', 404, /pods "ghost" not found/],
      ['name=x&from=ghost-ns', 404, /namespaces "ghost-ns" not found/],
    ] as const) {
      const res = await sandbox(`/resolve?${params}`);
      expect(res.status, params).toBe(code);
      expect((await res.json<any>()).message, params).toMatch(message);
    }
  });
});
