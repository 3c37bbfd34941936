// Service DNS with the real DoH clients: dig (bind9-dnsutils) and kdig (knot-dnsutils) over TLS + HTTP/2
// through h2-front.mjs (wrangler dev speaks HTTP/1.1 only), the token in the path since neither can send
// an Authorization header. Objects are made with the real kubectl. Everything stays on 127.0.0.1.
// dig and kdig must be installed (CI installs them): a missing one fails the test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { manifest, ok, useCluster } from './harness.mjs';
import { startH2Front } from './h2-front.mjs';

let c;
let server;
useCluster((cluster, srv) => {
  c = cluster;
  server = srv;
});

let front;
let path;
let clusterIP;

const OBJECTS = `apiVersion: v1
kind: Service
metadata:
  name: redis-master
spec:
  selector: {app: redis}
  ports:
  - name: redis
    port: 6379
    targetPort: 6379
---
apiVersion: v1
kind: Pod
metadata:
  name: redis-master-0
  labels: {app: redis}
spec:
  containers:
  - name: redis
    image: registry.k8s.io/redis:e2e
    ports:
    - containerPort: 6379
`;

// Set up on first use: the harness's own before() (server, cluster) has run by the time a test does.
let setup;
const ready = () =>
  (setup ??= (async () => {
    ok(c.kubectl(['apply', '-f', manifest(c, 'dns.yaml', OBJECTS)]));
    clusterIP = ok(c.kubectl(['get', 'service', 'redis-master', '-o', 'jsonpath={.spec.clusterIP}']));
    assert.match(clusterIP, /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    front = await startH2Front(server.origin);
    path = `${new URL(c.server).pathname}/dns-query/${c.token}`;
  })());
after(async () => front?.stop());

/** Runs a client without blocking the event loop (the front answers from this process). */
function run(bin, args) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${bin}: ${error.message} (install bind9-dnsutils and knot-dnsutils)` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// `+https-get` takes the path too: after `+https=<path>` it would reset the path to /dns-query.
const dig = async (...args) => (await ready(), run('dig', ['@127.0.0.1', '-p', String(front.port), `+https=${path}`, '+tries=1', '+timeout=10', ...args]));
const digGet = async (...args) => (await ready(), run('dig', ['@127.0.0.1', '-p', String(front.port), `+https-get=${path}`, '+tries=1', '+timeout=10', ...args]));
const kdig = async (...args) => (await ready(), run('kdig', ['@127.0.0.1', '-p', String(front.port), `+https=${path}`, '+retry=0', '+timeout=10', ...args]));

/** The answer section's records as [name, ttl, class, type, data…] (dig and kdig print the same zone-file lines). */
const answers = (out) =>
  out
    .split('\n')
    .filter((l) => l && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/));

describe('dig +https', () => {
  it('answers A for a service with its cluster IP (POST, and GET with +https-get)', async () => {
    for (const client of [dig, digGet]) {
      const out = ok(await client('+noall', '+answer', 'redis-master.default.svc.cluster.local', 'A'));
      assert.deepEqual(answers(out), [['redis-master.default.svc.cluster.local.', '30', 'IN', 'A', clusterIP]]);
    }
    assert.ok(front.log.some((l) => l.startsWith('HTTP/2.0 POST /clusters/')), front.log.join('\n'));
    assert.ok(front.log.some((l) => l.startsWith('HTTP/2.0 GET /clusters/') && l.includes('?dns=')), front.log.join('\n'));
  });

  it('answers SRV for a named port', async () => {
    const out = ok(await dig('+noall', '+answer', '_redis._tcp.redis-master.default.svc.cluster.local', 'SRV'));
    assert.deepEqual(answers(out), [['_redis._tcp.redis-master.default.svc.cluster.local.', '30', 'IN', 'SRV', '0', '100', '6379', 'redis-master.default.svc.cluster.local.']]);
  });

  it('answers NXDOMAIN, authoritatively, for a service that does not exist', async () => {
    const out = ok(await dig('nope.default.svc.cluster.local', 'A'));
    assert.match(out, /status: NXDOMAIN/);
    assert.match(out, /flags: qr aa rd;/);
    assert.match(out, /cluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/);
  });

  it('answers PTR for the cluster IP (-x)', async () => {
    const out = ok(await dig('+short', '-x', clusterIP));
    assert.equal(out.trim(), 'redis-master.default.svc.cluster.local.');
  });
});

describe('kdig +https', () => {
  it('answers A, SRV and NXDOMAIN', async () => {
    assert.equal(ok(await kdig('+short', 'redis-master.default.svc.cluster.local', 'A')).trim(), clusterIP);
    assert.equal(ok(await kdig('+https-get', '+short', 'redis-master.default.svc.cluster.local', 'A')).trim(), clusterIP);
    assert.equal(ok(await kdig('+short', '_redis._tcp.redis-master.default.svc.cluster.local', 'SRV')).trim(), '0 100 6379 redis-master.default.svc.cluster.local.');
    const nx = ok(await kdig('nope.default.svc.cluster.local', 'A'));
    assert.match(nx, /status: NXDOMAIN/);
  });
});

describe('the token in the path', () => {
  it('a wrong token gets no answer', async () => {
    await ready();
    const wrong = await run('dig', ['@127.0.0.1', '-p', String(front.port), `+https=${new URL(c.server).pathname}/dns-query/wrong`, '+tries=1', '+timeout=10', 'redis-master.default.svc.cluster.local']);
    assert.notEqual(wrong.code, 0, wrong.stdout);
    assert.doesNotMatch(wrong.stdout, /status: NOERROR/);
    assert.doesNotMatch(wrong.stdout, new RegExp(clusterIP.replaceAll('.', '\\.')));
  });
});
