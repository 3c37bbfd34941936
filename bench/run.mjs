// npm run bench: the built Worker running in workerd through Miniflare's API (not `wrangler dev`, whose
// local proxy caps near 500 req/s), driven by autocannon. Writes bench/RESULTS.md and prints the table.
//   BENCH_SECONDS        seconds per load run (default 10)
//   BENCH_WATCH_EVENTS   pods created one by one for the watch latency (default 300)
import os from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { load, percentile } from './load.mjs';
import { HERE, RUNTIME, build, call, freePort, log, settle, signUp, sleep, startProduct } from './miniflare.mjs';
import { report } from './report.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WATCH_EVENTS = Number(process.env.BENCH_WATCH_EVENTS ?? 300);
const CONNS = 16;
const LIST_CONNS = [1, 4];
const MAX_OBJECTS = 20000;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
/** No scheduler serves this name: such pods stay Pending, untouched by the control plane (no events). */
const UNSCHEDULED = { schedulerName: 'bench-unscheduled' };

/** A pod like `kubectl run` sends, with a few labels and resources; ~400 bytes before defaulting. */
const podJson = (name, spec = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', tier: 'web', run: name } },
    spec: {
      ...spec,
      containers: [
        { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '10m', memory: '16Mi' } } },
      ],
    },
  });

/** Requests that POST a pod with a fresh name each time; names that got 201 land in `created`. */
function createPods(pathname, headers, prefix, created = [], spec = {}) {
  let n = 0;
  return [
    {
      method: 'POST',
      path: pathname,
      headers: { ...headers, 'content-type': 'application/json' },
      setupRequest: (req, ctx) => {
        ctx.name = `${prefix}-${++n}`;
        return { ...req, body: podJson(ctx.name, spec) };
      },
      onResponse: (status, _body, ctx) => void (status === 201 && created.push(ctx.name)),
    },
  ];
}

/** Requests that GET `pathOf(name)` cycling over `names`. */
function cycle(names, pathOf, headers = {}) {
  let i = 0;
  return [{ method: 'GET', headers, setupRequest: (req) => ({ ...req, path: pathOf(names[i++ % names.length]) }) }];
}

// ---- baseline: bench/baseline-worker.mjs --------------------------------------------------------

async function startBaseline() {
  const mf = new Miniflare({
    ...RUNTIME,
    modules: true,
    scriptPath: path.join(HERE, 'baseline-worker.mjs'),
    durableObjects: { STORE: { className: 'Store', useSQLite: true } },
    port: await freePort(),
  });
  return { mf, url: (await mf.ready).origin, written: [] };
}

const baseline = {
  hello: (b) => load({ url: b.url, connections: CONNS, seconds: SECONDS, requests: [{ method: 'GET', path: '/hello' }] }),
  write: (b) => load({ url: b.url, connections: CONNS, seconds: SECONDS, requests: createPods('/write', {}, 'base', b.written) }),
  read: (b) => load({ url: b.url, connections: CONNS, seconds: SECONDS, requests: cycle(b.written.slice(0, 1000), (n) => `/read?name=${n}`) }),
};

// ---- the product ---------------------------------------------------------------------------------

/** Creates `count` pods (16 connections), then tops up one by one whatever a failed request left out. */
async function seed(url, c, count, prefix, r) {
  const requests = createPods(c.pods, c.auth, prefix, [], UNSCHEDULED);
  const res = await load({ url, connections: CONNS, seconds: 600, amount: count, warmup: false, requests });
  await settle(url, c);
  const have = (await (await call(url + c.pods, { headers: c.auth })).json()).items.length;
  if (have < count) {
    const first = res.firstError ? `; first failure: ${res.firstError.status} ${res.firstError.body}` : '';
    const why = `autocannon counted ${res.ok} 2xx, ${res.non2xx} non-2xx, ${res.errors} network errors${first}`;
    r.seedFailures = [...(r.seedFailures ?? []), `seeding ${count} pods: the list held ${have} afterwards (${why}); the rest were created one by one`];
    log(r.seedFailures.at(-1));
    for (let i = have; i < count; i++) {
      const post = await call(url + c.pods, { method: 'POST', headers: { ...c.auth, 'content-type': 'application/json' }, body: podJson(`${prefix}-fill-${i}`, UNSCHEDULED) });
      if (post.status !== 201) throw new Error(`seeding ${count} pods: ${post.status} ${await post.text()}`);
    }
  }
}

/** Opens a watch on the cluster's pods from the current resourceVersion; onAdded(name, arrivalTime) per ADDED event. */
async function openWatch(url, c, acceptEncoding, onAdded) {
  const rv = (await (await call(url + c.pods, { headers: c.auth })).json()).metadata.resourceVersion;
  const abort = new AbortController();
  const headers = { ...c.auth, 'accept-encoding': acceptEncoding };
  const res = await fetch(`${url}${c.pods}?watch=true&resourceVersion=${rv}`, { headers, signal: abort.signal });
  if (res.status !== 200) throw new Error(`watch: ${res.status} ${await res.text()}`);
  (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body) {
      const at = performance.now();
      buf += decoder.decode(chunk, { stream: true });
      for (let nl; (nl = buf.indexOf('\n')) >= 0; buf = buf.slice(nl + 1)) {
        const ev = JSON.parse(buf.slice(0, nl));
        if (ev.type === 'ADDED') onAdded(ev.object.metadata.name, at);
      }
    }
  })().catch(() => {});
  return { encoding: res.headers.get('content-encoding'), close: () => abort.abort() };
}

/** Creates pods one at a time; each one's ADDED event time, from POST send and from POST response. */
async function watchLatency(url, c, { acceptEncoding, count, prefix, timeoutMs = 5000 }) {
  const waiting = new Map();
  const watch = await openWatch(url, c, acceptEncoding, (name, at) => waiting.get(name)?.(at));
  const fromSend = [];
  const fromResponse = [];
  let missed;
  for (let k = 1; k <= count && !missed; k++) {
    const name = `${prefix}-${k}`;
    const arrived = new Promise((resolve) => waiting.set(name, resolve));
    const t0 = performance.now();
    const post = await fetch(url + c.pods, { method: 'POST', headers: { ...c.auth, 'content-type': 'application/json' }, body: podJson(name) });
    const body = await post.text();
    const t1 = performance.now();
    if (post.status !== 201) throw new Error(`pod create for watch: ${post.status} ${body}`);
    const t2 = await Promise.race([arrived, sleep(timeoutMs).then(() => NaN)]);
    if (Number.isNaN(t2)) missed = `no ADDED event for ${name} within ${timeoutMs / 1000} s (response content-encoding: ${watch.encoding ?? 'none'})`;
    else fromSend.push(t2 - t0), fromResponse.push(t2 - t1);
  }
  watch.close();
  const stats = (a) => (a.sort((x, y) => x - y), { p50: percentile(a, 0.5), p99: percentile(a, 0.99), max: a[a.length - 1], n: a.length });
  return { acceptEncoding, encoding: watch.encoding, missed, fromSend: stats(fromSend), fromResponse: stats(fromResponse) };
}

/** A fresh product runtime per scenario: in local workerd all Durable Objects share one thread, so one
 * cluster's control plane (say 6,000 unschedulable pods) would stall the clusters of later scenarios. */
async function withProduct(scriptPath, fn) {
  const { mf, url } = await startProduct(scriptPath, MAX_OBJECTS);
  try {
    return await fn(url);
  } finally {
    await mf.dispose();
  }
}

/** Each product scenario runs right after its baseline, so both see the same machine load. */
async function benchProduct(r, scriptPath, base) {
  log('baseline: write');
  r.write = await baseline.write(base);
  await withProduct(scriptPath, async (url) => {
    // Each scheduled pod may also cost an event (FailedScheduling once 3 nodes × 110 pods are full):
    // the cap keeps pods + events under MAX_OBJECTS.
    log('pod create');
    const a = await signUp(url);
    const created = [];
    r.create = await load({ url, connections: CONNS, seconds: SECONDS, maxRequests: MAX_OBJECTS * 0.3, requests: createPods(a.pods, a.auth, 'create', created) });
    if (r.create.firstError) log('pod create failed:', r.create.firstError.status, r.create.firstError.body);
    if (!created.length) throw new Error(`pod create never succeeded: ${JSON.stringify(r.create.firstError)}`);
    await settle(url, a);

    log('baseline: read');
    r.read = await baseline.read(base);
    log('pod get');
    r.get = await load({ url, connections: CONNS, seconds: SECONDS, requests: cycle(created.slice(0, 1000), (n) => `${a.pods}/${n}`, a.auth) });
    if (r.get.firstError) log('pod get failed:', r.get.firstError.status, r.get.firstError.body);
  });

  await withProduct(scriptPath, async (url) => {
    log('pod create, API path only (pods no scheduler serves)');
    const u = await signUp(url);
    r.createUnscheduled = await load({ url, connections: CONNS, seconds: SECONDS, maxRequests: MAX_OBJECTS * 0.6, requests: createPods(u.pods, u.auth, 'create', [], UNSCHEDULED) });
  });

  await withProduct(scriptPath, async (url) => {
    log(`watch delivery (${WATCH_EVENTS} pods, one at a time)`);
    const w = await signUp(url);
    r.watch = await watchLatency(url, w, { acceptEncoding: 'identity', count: WATCH_EVENTS, prefix: 'watch' });
    // kubectl (Go's transport) and client-node ask for gzip; does a watch still stream then?
    log('watch delivery with Accept-Encoding: gzip (5 pods)');
    r.watchGzip = await watchLatency(url, w, { acceptEncoding: 'gzip', count: 5, prefix: 'watch-gzip', timeoutMs: 3000 });
  });

  for (const count of [1000, 10000]) {
    await withProduct(scriptPath, async (url) => {
      log(`Table list of ${count} pods: seeding`);
      const c = await signUp(url);
      await seed(url, c, count, `list${count}`, r);
      const probe = await (await call(url + c.pods, { headers: { ...c.auth, accept: TABLE } })).json();
      if (probe.kind !== 'Table' || probe.rows?.length !== count) {
        throw new Error(`Table list of ${count}: got kind ${probe.kind} with ${probe.rows?.length} rows: ${JSON.stringify(probe).slice(0, 500)}`);
      }
      for (const connections of LIST_CONNS) {
        log(`Table list of ${count} pods, ${connections} connection(s)`);
        r[`list${count}x${connections}`] = await load({ url, connections, seconds: SECONDS, requests: [{ method: 'GET', path: c.pods, headers: { ...c.auth, accept: TABLE } }] });
      }
    });
  }

  // one connection first: the clusters the 16-connection run creates keep their control planes busy
  for (const connections of [1, CONNS]) {
    await withProduct(scriptPath, async (url) => {
      log(`sign-up, ${connections} connection(s)`);
      r[`signup${connections}`] = await load({ url, connections, seconds: SECONDS, requests: [{ method: 'POST', path: '/v1/clusters' }] });
      if (r[`signup${connections}`].firstError) log('sign-up failed:', r[`signup${connections}`].firstError);
    });
  }
}

// ---- main ------------------------------------------------------------------------------------------

const results = { seconds: SECONDS, connections: CONNS, listConnections: LIST_CONNS, watchEvents: WATCH_EVENTS, loadBefore: os.loadavg()[0] };
if (results.loadBefore > 0.5) log(`warning: load average ${results.loadBefore.toFixed(2)} before the run; other work on this machine skews the numbers`);
log('building the Worker (wrangler deploy --dry-run)');
const built = build();
const base = await startBaseline();
try {
  log('baseline: Worker alone');
  results.hello = await baseline.hello(base);
  if (built.error) throw new Error(`the Worker did not build:\n${built.error}`);
  await benchProduct(results, built.scriptPath, base);
} catch (e) {
  results.productError = `${e.stack ?? e}${e.cause ? `\ncause: ${e.cause.stack ?? e.cause}` : ''}`;
  if (!results.write) results.write = await baseline.write(base);
  if (!results.read) results.read = await baseline.read(base);
} finally {
  await base.mf.dispose();
}
results.loadAfter = os.loadavg()[0];
if (results.productError) console.error(results.productError);
report(results, path.join(HERE, 'RESULTS.md'));
process.exit(results.productError ? 1 : 0);
