// What every benchmark script shares: building the Worker, running it (and the baseline) in workerd
// through Miniflare's API, signing up, and waiting for a cluster to go quiet.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log, LogLevel, Miniflare } from 'miniflare';

process.env.WRANGLER_SEND_METRICS = 'false';
export const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');
const BUILD = path.join(HERE, '.build');
// cf: false — no internet here; Miniflare would otherwise try to download a Request.cf sample
export const RUNTIME = { compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'], host: '127.0.0.1', cf: false };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.log('[bench]', ...a);

/** fetch for the bench's own bookkeeping requests: one retry when a reused keep-alive socket was closed. */
export async function call(url, init) {
  try {
    return await fetch(url, init);
  } catch (e) {
    log(`retrying ${init?.method ?? 'GET'} ${new URL(url).pathname} after: ${e.cause?.message ?? e.message}`);
    return fetch(url, init);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function build() {
  try {
    execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', BUILD], { cwd: ROOT, env: process.env, stdio: 'pipe' });
    return { scriptPath: path.join(BUILD, 'index.js') };
  } catch (e) {
    // eslint-disable-next-line no-control-regex
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');
    return { error: out.split('\n').filter((l) => /ERROR|error|✘/.test(l)).slice(0, 10).join('\n') || out.slice(-2000) };
  }
}

export async function startProduct(scriptPath, maxObjects) {
  const mf = new Miniflare({
    ...RUNTIME,
    modules: true,
    scriptPath,
    durableObjects: { CLUSTER: { className: 'Cluster', useSQLite: true }, SIGNUP_LIMITER: { className: 'SignupLimiter', useSQLite: true } },
    d1Databases: ['DB'],
    // Caps and rate limits far above what the benchmarks drive (5,000 pods, thousands of requests a second).
    bindings: {
      INSECURE_KUBECONFIG: 'true', CLUSTER_TTL_HOURS: '24', MAX_OBJECTS: String(maxObjects),
      MAX_PODS: String(maxObjects), MAX_NODES: '1000', MAX_STORED_BYTES: String(maxObjects * 20_000), MAX_WATCHES: '10000',
      CLUSTER_RPS: '1000000', CLUSTER_BURST: '1000000', SIGNUP_BURST: '1000000',
    },
    log: new Log(LogLevel.WARN), // the runtime's own errors (uncaught exceptions, resets) show on stderr
    port: await freePort(),
  });
  const url = (await mf.ready).origin;
  const db = await mf.getD1Database('DB');
  const dir = path.join(ROOT, 'migrations');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const statements = readFileSync(path.join(dir, f), 'utf8').split(/-->\s*statement-breakpoint|;\s*$/m);
    for (const s of statements.map((s) => s.trim()).filter(Boolean)) await db.prepare(s).run();
  }
  return { mf, url };
}

export async function signUp(url) {
  const res = await call(`${url}/v1/clusters`, { method: 'POST' });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${text}`);
  const { id, token } = JSON.parse(text);
  return { id, pods: `/clusters/${id}/api/v1/namespaces/default/pods`, auth: { authorization: `Bearer ${token}` } };
}

/** Waits until the cluster's resourceVersion stops moving (controllers and kubelets done), at most 60 s. */
export async function settle(url, c) {
  const start = Date.now();
  let last;
  let since = Date.now();
  while (Date.now() - start < 60_000) {
    const res = await call(`${url}/clusters/${c.id}/api/v1/namespaces`, { headers: c.auth });
    const rv = (await res.json()).metadata?.resourceVersion;
    if (rv !== last) [last, since] = [rv, Date.now()];
    else if (Date.now() - since > 1500) return log(`settled after ${((Date.now() - start) / 1000).toFixed(1)} s`);
    await sleep(250);
  }
  log('cluster still writing after 60 s; going on');
}
