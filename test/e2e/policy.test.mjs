// kubectl 1.35 against the admission chain: a pod-count quota created with `kubectl create quota`, the pod
// that exceeds it refused with the apiserver's Forbidden message, and the quota's usage in get / describe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifest, ok, rows, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => {
  c = cluster;
});

/** The quota controller fills status.hard right after creation; admission ignores the quota until then. */
async function waitForQuotaStatus(name) {
  for (let i = 0; i < 50; i++) {
    if (ok(c.kubectl(['get', 'quota', name, '-o', 'jsonpath={.status.hard}'])).trim()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`quota ${name} never got a status`);
}

describe('resource quota', () => {
  it('refuses the third pod of a pods=2 quota and shows the usage', async () => {
    assert.equal(ok(c.kubectl(['create', 'quota', 'q1', '--hard=pods=2'])).trim(), 'resourcequota/q1 created');
    await waitForQuotaStatus('q1');
    for (const name of ['p1', 'p2']) assert.equal(ok(c.kubectl(['run', name, '--image=nginx:1.27'])).trim(), `pod/${name} created`);
    const third = c.kubectl(['run', 'p3', '--image=nginx:1.27']);
    assert.equal(third.code, 1);
    assert.equal(third.stderr.trim(), 'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2');

    const [head, q1] = rows(ok(c.kubectl(['get', 'quota'])));
    assert.deepEqual(head, ['NAME', 'REQUEST', 'LIMIT', 'AGE']);
    assert.deepEqual(q1.slice(0, 2), ['q1', 'pods: 2/2']);

    const described = ok(c.kubectl(['describe', 'quota', 'q1']));
    assert.equal(
      described,
      ['Name:       q1', 'Namespace:  default', 'Resource    Used  Hard', '--------    ----  ----', 'pods        2     2', ''].join('\n'),
    );
  });

  it('gives the room back when a pod is deleted', async () => {
    ok(c.kubectl(['delete', 'pod', 'p1', '--timeout=30s']));
    for (let i = 0; i < 50 && ok(c.kubectl(['get', 'quota', 'q1', '-o', 'jsonpath={.status.used.pods}'])) !== '1'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ok(c.kubectl(['run', 'p3', '--image=nginx:1.27'])).trim(), 'pod/p3 created');
  });
});

describe('limit range', () => {
  it('fills in requests and limits and refuses a container below the minimum', () => {
    ok(c.kubectl(['create', 'namespace', 'team-a']));
    const limits = manifest(
      c,
      'limits.yaml',
      [
        'apiVersion: v1',
        'kind: LimitRange',
        'metadata: {name: defaults, namespace: team-a}',
        'spec:',
        '  limits:',
        '  - type: Container',
        '    default: {cpu: 500m, memory: 256Mi}',
        '    defaultRequest: {cpu: 250m, memory: 128Mi}',
        '    min: {cpu: 100m}',
        '',
      ].join('\n'),
    );
    assert.equal(ok(c.kubectl(['apply', '-f', limits])).trim(), 'limitrange/defaults created');
    ok(c.kubectl(['run', 'web', '-n', 'team-a', '--image=nginx:1.27']));
    const pod = JSON.parse(ok(c.kubectl(['get', 'pod', 'web', '-n', 'team-a', '-o', 'json'])));
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi' } });
    assert.equal(
      pod.metadata.annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web',
    );
    const small = c.kubectl(['run', 'small', '-n', 'team-a', '--image=nginx:1.27', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'small', image: 'nginx:1.27', resources: { requests: { cpu: '50m' } } }] } })]);
    assert.equal(small.code, 1);
    assert.equal(small.stderr.trim(), 'Error from server (Forbidden): pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
  });
});
