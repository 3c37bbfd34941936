// Load generation for bench/run.mjs: autocannon's programmatic API, with latencies kept by us.
// autocannon's own histogram truncates to whole milliseconds; the 'response' event carries the exact
// time (ms, float), so percentiles here come from every 2xx response's own time.
import autocannon from 'autocannon';

/**
 * Runs one load and returns { rps, p50, p99, max, ok, non2xx, errors, seconds, firstError }.
 * `requests` are autocannon request objects (method, path, headers, body, setupRequest, ...).
 * Runs for `seconds`, capped at `maxRequests` if given; or, with `amount`, until exactly that many requests
 * were answered (autocannon then ignores the duration). With `warmup`, a short unmeasured run of the same
 * requests goes first (JIT, connections, DO start).
 */
export async function load({ url, connections, seconds, amount, maxRequests, requests, warmup = true }) {
  if (warmup) await autocannon({ url, connections, duration: Math.min(2, Math.max(1, seconds / 5)), requests });
  const times = [];
  let firstError;
  const inst = autocannon({
    url,
    connections,
    duration: seconds,
    ...(amount ? { amount } : {}),
    ...(maxRequests ? { maxOverallRequests: maxRequests } : {}),
    // keep the first failing response's status and body, to print it
    requests: requests.map((r) => ({
      ...r,
      onResponse: (status, body, ctx) => {
        if (status >= 300) firstError ??= { status, body: String(body).slice(0, 2000) };
        r.onResponse?.(status, body, ctx);
      },
    })),
    timeout: 30,
  });
  inst.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  inst.on('reqError', (err) => (firstError ??= { status: 'network', body: String(err) }));
  const res = await inst;
  times.sort((a, b) => a - b);
  return {
    rps: times.length / res.duration,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    max: times[times.length - 1],
    ok: times.length,
    non2xx: res.non2xx,
    errors: res.errors + res.timeouts,
    seconds: res.duration,
    firstError,
  };
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}
