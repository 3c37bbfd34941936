// npm run bench:scale — the control plane at scale: a ReplicationController scaled from 0 to 1,000 and
// to 5,000 replicas with every simulated delay at zero, timed until all pods are Running and Ready
// (the RC's readyReplicas), then scaled back to 0 and timed until the pods are gone; and the memory of
// the workerd process holding a cluster with 5,000 pods. Appends a section to bench/RESULTS.md.
//   BENCH_SCALE   comma-separated replica counts (default 1000,5000)
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HERE, build, call, log, settle, signUp, sleep, startProduct } from './miniflare.mjs';

const COUNTS = (process.env.BENCH_SCALE ?? '1000,5000').split(',').map(Number);
const EXTRA_NODES = 50; // 53 nodes × 110 pods: room for 5,830
const TIMEOUT_MS = 300_000;

/** Resident memory of the workerd processes Miniflare started (children of this process), in MiB. */
function workerdRssMiB() {
  const pids = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /workerd/.test(l))
    .map((l) => l.trim().split(/\s+/)[0]);
  let kib = 0;
  for (const pid of pids) kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kib / 1024;
}

async function send(url, c, method, pathname, body, type = 'application/json') {
  const res = await call(`${url}/clusters/${c.id}${pathname}`, {
    method,
    headers: { ...c.auth, 'content-type': type },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${pathname}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

const RC = '/api/v1/namespaces/default/replicationcontrollers/scale';

/** Polls until `done(rc status, pod count)` holds; the elapsed seconds and the writes (resourceVersion delta). */
async function timeUntil(url, c, rv0, t0, done) {
  for (;;) {
    const rc = await send(url, c, 'GET', RC);
    const pods = await send(url, c, 'GET', '/api/v1/namespaces/default/pods?limit=1');
    const count = pods.items.length + (pods.metadata.remainingItemCount ?? 0);
    if (done(rc.status ?? {}, count)) {
      const seconds = (performance.now() - t0) / 1000;
      return { seconds, writes: Number(pods.metadata.resourceVersion) - rv0 };
    }
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`not done after ${TIMEOUT_MS / 1000} s: ${JSON.stringify(rc.status)}, ${count} pods`);
    await sleep(100);
  }
}

async function scaleTo(url, c, replicas) {
  const rv0 = Number((await send(url, c, 'GET', '/api/v1/namespaces/default/pods?limit=1')).metadata.resourceVersion);
  const t0 = performance.now();
  await send(url, c, 'PATCH', RC, { spec: { replicas } }, 'application/merge-patch+json');
  return { rv0, t0 };
}

async function run(url, count) {
  const c = await signUp(url);
  // every delay zero: the time measured is the control plane's own
  const rules = 'defaults: {sandboxSeconds: 0, pullSeconds: 0, startSeconds: 0, stopSeconds: 0, syncSeconds: 0}\n';
  await send(url, c, 'POST', '/api/v1/namespaces/kube-system/configmaps', { metadata: { name: 'sandbox-simulation' }, data: { 'rules.yaml': rules } });
  for (let i = 1; i <= EXTRA_NODES; i++) await send(url, c, 'POST', '/api/v1/nodes', { metadata: { name: `bench-${i}` } });
  await send(url, c, 'POST', '/api/v1/namespaces/default/replicationcontrollers', {
    metadata: { name: 'scale' },
    spec: { replicas: 0, selector: { app: 'scale' }, template: { metadata: { labels: { app: 'scale' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
  });
  await settle(url, c);
  const rssBefore = workerdRssMiB();

  log(`scaling to ${count}`);
  let s = await scaleTo(url, c, count);
  const up = await timeUntil(url, c, s.rv0, s.t0, (st, pods) => st.readyReplicas === count && pods === count);
  log(`${count} ready after ${up.seconds.toFixed(1)} s (${up.writes} writes)`);
  await settle(url, c);
  const rss = workerdRssMiB();

  log('scaling to 0');
  s = await scaleTo(url, c, 0);
  const down = await timeUntil(url, c, s.rv0, s.t0, (st, pods) => (st.replicas ?? 0) === 0 && pods === 0);
  log(`all gone after ${down.seconds.toFixed(1)} s (${down.writes} writes)`);
  return { count, up, down, rssBefore, rss };
}

const built = build();
if (built.error) throw new Error(`the Worker did not build:\n${built.error}`);
const results = [];
for (const count of COUNTS) {
  // a fresh runtime per count, so memory and the store start from nothing
  const { mf, url } = await startProduct(built.scriptPath, 200_000);
  try {
    results.push(await run(url, count));
  } finally {
    await mf.dispose();
  }
}

const rows = results.map(
  (r) =>
    `| ${r.count.toLocaleString('en')} | ${r.up.seconds.toFixed(1)} s | ${Math.round(r.up.writes / r.up.seconds).toLocaleString('en')} | ` +
    `${r.down.seconds.toFixed(1)} s | ${Math.round(r.rss)} MiB (+${Math.round(r.rss - r.rssBefore)}) |`,
);
const section = [
  '',
  `## ReplicationController at scale (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, \`npm run bench:scale\`)`,
  '',
  `All simulated delays zero; ${EXTRA_NODES + 3} nodes. "Ready" is the RC's readyReplicas reaching the count, timed from the scale`,
  'PATCH; every pod meanwhile was created, bound, started and reported Ready with its events. Writes/s counts every',
  'resourceVersion (pods, bindings, statuses, events, RC status). Memory is the workerd process (RSS) with the pods',
  'settled, and in brackets its growth since the cluster was idle.',
  '',
  '| replicas | 0 → all Ready | writes/s | all → 0 (gone) | workerd RSS |',
  '|---:|---:|---:|---:|---:|',
  ...rows,
  '',
].join('\n');
console.log(section);
if (!process.env.BENCH_NO_WRITE) appendFileSync(path.join(HERE, 'RESULTS.md'), section);
process.exit(0);
