// Cluster lifecycle with the real kubectl: presets and reset, delete (404), expiry (410), the sign-up rate limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, httpsRequest, newCluster, ok, rows, startServer } from './harness.mjs';

let server;
before(async () => {
  // A low sign-up limit to prove the 429; a 1 s minimum ttl so a cluster can expire during the test.
  server = await startServer({ vars: { SIGNUP_RATE_PER_MINUTE: '1', SIGNUP_BURST: '5', CLUSTER_TTL_MIN_SECONDS: '1' } });
});
after(async () => server?.stop());

const idOf = (c) => /\/clusters\/([^/]+)/.exec(c.server)[1];
const lifecycle = (c, method, path = '', body) =>
  httpsRequest(`${server.origin}/v1/clusters/${idOf(c)}${path}`, {
    method,
    headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });

describe('cluster lifecycle', () => {
  it('signs up with the guestbook preset; reset brings back a deleted RC', async () => {
    const c = await newCluster(server, { preset: 'guestbook' });
    const names = () => rows(ok(c.kubectl(['get', 'rc', '--no-headers']))).map((r) => r[0]);
    assert.deepEqual(names(), ['frontend', 'redis-master', 'redis-slave']);
    assert.equal(ok(c.kubectl(['delete', 'rc', 'frontend'])).trim(), 'replicationcontroller "frontend" deleted from default namespace');
    assert.deepEqual(names(), ['redis-master', 'redis-slave']);
    const reset = await lifecycle(c, 'POST', '/reset');
    assert.equal(reset.status, 200, reset.body);
    assert.equal(JSON.parse(reset.body).preset, 'guestbook');
    assert.deepEqual(names(), ['frontend', 'redis-master', 'redis-slave']);
    ok(c.kubectl(['wait', '--for=jsonpath={.status.readyReplicas}=3', 'rc/frontend', '--timeout=60s'], { timeout: 90_000 }));
  });

  it('a deleted cluster answers kubectl with NotFound', async () => {
    const c = await newCluster(server);
    ok(c.kubectl(['get', 'pods']));
    const del = await lifecycle(c, 'DELETE');
    assert.equal(del.status, 200, del.body);
    const r = c.kubectl(['get', 'pods']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\): (Unable to list "\/v1, Resource=pods": )?cluster "[a-z2-7]{16}" not found/);
  });

  it('an expired cluster answers kubectl with Gone', async () => {
    const c = await newCluster(server, { ttl: 2 });
    ok(c.kubectl(['get', 'pods']));
    const r = await eventually('the cluster to expire', () => {
      const got = c.kubectl(['get', 'pods']);
      return got.code !== 0 && got;
    }, 30);
    assert.match(r.stderr, /Error from server \(Gone\): (Unable to list "\/v1, Resource=pods": )?cluster "[a-z2-7]{16}" has expired/);
  });

  it('answers a sign-up flood from one address with 429 and Retry-After', async () => {
    let limited;
    for (let i = 0; i < 5 && !limited; i++) {
      const res = await httpsRequest(`${server.origin}/v1/clusters`, { method: 'POST' });
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 201, res.body);
    }
    assert.ok(limited, 'no 429 within the burst');
    assert.ok(Number(limited.headers['retry-after']) >= 1, JSON.stringify(limited.headers));
    const status = JSON.parse(limited.body);
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.code, 429);
    assert.equal(status.details.retryAfterSeconds, Number(limited.headers['retry-after']));
  });
});
