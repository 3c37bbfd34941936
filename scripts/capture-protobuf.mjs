// Captures the protobuf request bodies real kubectl/helm send, for test/fixtures/protobuf.
// Usage: node scripts/capture-protobuf.mjs <out-dir>
// Starts the local sandbox (test/e2e/harness.mjs), puts a logging HTTPS proxy in front of it, runs each command
// through the proxy and writes every protobuf body as <out-dir>/<command>[-n].bin. Pick the fixtures by hand.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newCluster, startServer, tools } from '../test/e2e/harness.mjs';

const out = process.argv[2];
if (!out) throw new Error('usage: node scripts/capture-protobuf.mjs <out-dir>');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'capture-pb-'));
spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });

// Async on purpose: the proxy lives in this process, so the clients must not block the event loop.
const run = (bin, args, env) =>
  new Promise((resolve) => {
    const child = spawn(bin, args, { env });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('close', (code) => resolve({ code, text: text.trim() }));
  });

const server = await startServer();
try {
  const cluster = await newCluster(server);
  const upstream = new URL(server.origin);
  let seen = [];
  const proxy = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ line: `${req.method} ${req.url}`, type: req.headers['content-type'] ?? '', body });
      const headers = { ...req.headers, host: upstream.host };
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, rejectUnauthorized: false }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', (e) => res.writeHead(502).end(String(e)));
      up.end(body);
    });
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const kubeconfig = join(dir, 'config');
  const serverUrl = `https://127.0.0.1:${proxy.address().port}${new URL(cluster.server).pathname}`;
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${serverUrl}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: "${cluster.token}"}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n`);
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
  const chart = join(dir, 'chart');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
  writeFileSync(join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo-cm}\ndata: {k: v}\n');
  const { kubectl, helm } = tools();
  const commands = {
    secret: [kubectl, 'create', 'secret', 'generic', 's', '--from-literal=a=b'],
    configmap: [kubectl, 'create', 'configmap', 'cm', '--from-literal=k=v'],
    namespace: [kubectl, 'create', 'namespace', 'ns1'],
    deployment: [kubectl, 'create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80'],
    service: [kubectl, 'create', 'service', 'clusterip', 'svc', '--tcp=80:8080'],
    serviceaccount: [kubectl, 'create', 'serviceaccount', 'sa'],
    quota: [kubectl, 'create', 'quota', 'q', '--hard=pods=10,cpu=2,memory=1Gi'],
    token: [kubectl, 'create', 'token', 'sa', '--duration=1h'],
    'can-i': [kubectl, 'auth', 'can-i', 'create', 'pods'],
    'can-i-list': [kubectl, 'auth', 'can-i', '--list'],
    whoami: [kubectl, 'auth', 'whoami'],
    job: [kubectl, 'create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'],
    autoscale: [kubectl, 'autoscale', 'deployment', 'web', '--min=1', '--max=3', '--cpu=50%'],
    'helm-install': [helm, 'install', 'demo', chart],
    'helm-uninstall': [helm, 'uninstall', 'demo'],
  };
  for (const [name, [bin, ...args]] of Object.entries(commands)) {
    seen = [];
    const r = await run(bin, args, env);
    console.log(`== ${name}: exit ${r.code}: ${r.text.split('\n')[0]}`);
    const bodies = seen.filter((s) => s.type.startsWith('application/vnd.kubernetes.protobuf') && s.body.length);
    bodies.forEach((s, i) => {
      console.log(`   ${s.line} (${s.body.length} bytes)`);
      writeFileSync(join(out, `${name}${bodies.length > 1 ? `-${i + 1}` : ''}.bin`), s.body);
    });
  }
  proxy.close();
} finally {
  await server.stop();
}
