// The control plane's end-to-end scenarios with the real kubectl 1.35: the guestbook on
// ReplicationControllers, a failing node, and an unschedulable pod that a new node makes runnable.
// (The Deployment rollout scenario is rollout.test.mjs.) The scenarios share one cluster, in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, httpsRequest, manifest, ok, rows, useCluster } from './harness.mjs';

let c;
let server;
useCluster((cluster, srv) => {
  c = cluster;
  server = srv;
});

// The classic guestbook (kubernetes/examples guestbook/legacy): no RC selector, it defaults to the template labels.
const rc = (name, replicas, labels, container, image, port) => `apiVersion: v1
kind: ReplicationController
metadata:
  name: ${name}
  labels: ${labels}
spec:
  replicas: ${replicas}
  template:
    metadata:
      labels: ${labels}
    spec:
      containers:
      - name: ${container}
        image: ${image}
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        env:
        - name: GET_HOSTS_FROM
          value: dns
        ports:
        - containerPort: ${port}
`;
const svc = (name, labels, port) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels: ${labels}
spec:
  ports:
  - port: ${port}
    targetPort: ${port}
  selector: ${labels}
`;
const MASTER = '{app: redis, role: master, tier: backend}';
const SLAVE = '{app: redis, role: slave, tier: backend}';
const FRONTEND = '{app: guestbook, tier: frontend}';
const GUESTBOOK = [
  rc('redis-master', 1, MASTER, 'master', 'registry.k8s.io/redis:e2e', 6379),
  svc('redis-master', MASTER, 6379),
  rc('redis-slave', 2, SLAVE, 'slave', 'gcr.io/google_samples/gb-redisslave:v3', 6379),
  svc('redis-slave', SLAVE, 6379),
  rc('frontend', 3, FRONTEND, 'php-redis', 'gcr.io/google-samples/gb-frontend:v4', 80),
  svc('frontend', FRONTEND, 80),
].join('---\n');

/** Waits (kubectl wait watches) until the RC reports `n` ready replicas. */
const rcReady = (name, n) => ok(c.kubectl(['wait', `--for=jsonpath={.status.readyReplicas}=${n}`, `rc/${name}`, '--timeout=60s'], { timeout: 90_000 }));


/** Pods as rows of `kubectl get pods -o wide` (NAME READY STATUS RESTARTS AGE IP NODE ...). */
const pods = (...args) => {
  const out = ok(c.kubectl(['get', 'pods', '-o', 'wide', '--no-headers', ...args]));
  return out.trim() ? rows(out) : [];
};

/** The sandbox API of this cluster (clock, node failures), with the cluster's bearer token. */
async function sandbox(path, body) {
  const id = /\/clusters\/([^/]+)/.exec(c.server)[1];
  const r = await httpsRequest(`${server.origin}/v1/clusters/${id}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body);
}

describe('control-plane scenarios', () => {
  it('1. runs the guestbook on ReplicationControllers: scale, endpoints, service deletion, pod replacement', async () => {
    const f = manifest(c, 'guestbook.yaml', GUESTBOOK);
    assert.equal(
      ok(c.kubectl(['create', '-f', f])),
      [
        'replicationcontroller/redis-master created',
        'service/redis-master created',
        'replicationcontroller/redis-slave created',
        'service/redis-slave created',
        'replicationcontroller/frontend created',
        'service/frontend created',
        '',
      ].join('\n'),
    );
    rcReady('redis-master', 1);
    rcReady('redis-slave', 2);
    rcReady('frontend', 3);
    const rcs = rows(ok(c.kubectl(['get', 'rc'])));
    assert.deepEqual(rcs[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.deepEqual(rcs.slice(1).map((r) => r.slice(0, 4)), [
      ['frontend', '3', '3', '3'],
      ['redis-master', '1', '1', '1'],
      ['redis-slave', '2', '2', '2'],
    ]);
    const wide = rows(ok(c.kubectl(['get', 'rc', 'redis-slave', '-o', 'wide'])));
    assert.deepEqual(wide[1].slice(5), ['slave', 'gcr.io/google_samples/gb-redisslave:v3', 'app=redis,role=slave,tier=backend']);

    assert.equal(ok(c.kubectl(['scale', 'rc', 'redis-slave', '--replicas=3'])).trim(), 'replicationcontroller/redis-slave scaled');
    rcReady('redis-slave', 3);
    assert.deepEqual(rows(ok(c.kubectl(['get', 'rc', 'redis-slave', '--no-headers'])))[0].slice(0, 4), ['redis-slave', '3', '3', '3']);

    // Every service lists its ready pods as IP:port, sorted by IP like the endpoints controller does.
    // The endpoints controller runs after the pods become ready: poll until it has caught up.
    const expected = (selector, port) =>
      ok(c.kubectl(['get', 'pods', '-l', selector, '-o', 'jsonpath={.items[*].status.podIP}']))
        .trim()
        .split(' ')
        .sort()
        .map((ip) => `${ip}:${port}`)
        .join(',');
    const want = {
      frontend: expected('app=guestbook,tier=frontend', 80),
      'redis-master': expected('app=redis,role=master', 6379),
      'redis-slave': expected('app=redis,role=slave', 6379),
    };
    const endpoints = () => c.kubectl(['get', 'endpoints']);
    const table = await eventually('the endpoints of every service', () => {
      const t = rows(ok(endpoints()));
      const byName = Object.fromEntries(t.slice(1).map((r) => [r[0], r[1]]));
      return Object.entries(want).every(([n, v]) => byName[n] === v) && t;
    });
    assert.deepEqual(table[0], ['NAME', 'ENDPOINTS', 'AGE']);
    assert.deepEqual(table.slice(1).map((r) => r[0]), ['frontend', 'kubernetes', 'redis-master', 'redis-slave']);
    assert.match(endpoints().stderr, /^Warning: v1 Endpoints is deprecated in v1\.33\+; use discovery\.k8s\.io\/v1 EndpointSlice$/m);

    // Deleting a service deletes its Endpoints (the endpoints controller cleans up after it).
    assert.equal(ok(c.kubectl(['delete', 'service', 'frontend'])).trim(), 'service "frontend" deleted from default namespace');
    const gone = await eventually('the frontend endpoints to go', () => {
      const r = c.kubectl(['get', 'endpoints', 'frontend']);
      return r.code === 1 && r;
    });
    assert.match(gone.stderr, /Error from server \(NotFound\): endpoints "frontend" not found/);
    assert.deepEqual(rows(ok(endpoints())).slice(1).map((r) => r[0]), ['kubernetes', 'redis-master', 'redis-slave']);

    // A deleted pod is replaced by its RC (kubectl delete waits until the kubelet has finished it).
    const before = pods('-l', 'app=redis,role=slave').map((p) => p[0]);
    const victim = before[0];
    assert.equal(ok(c.kubectl(['delete', 'pod', victim, '--timeout=60s'])).trim(), `pod "${victim}" deleted from default namespace`);
    rcReady('redis-slave', 3);
    const after = pods('-l', 'app=redis,role=slave');
    assert.equal(after.length, 3);
    assert.ok(!after.some((p) => p[0] === victim), JSON.stringify(after));
    assert.ok(after.every((p) => p[1] === '1/1' && p[2] === 'Running'), JSON.stringify(after));
    const replacement = after.map((p) => p[0]).find((n) => !before.includes(n));
    assert.match(replacement, /^redis-slave-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const events = ok(c.kubectl(['describe', 'rc', 'redis-slave']));
    assert.match(events, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+replication-controller\\s+Created pod: ${replacement}`));
  });

  it('3. fails node-2: NotReady after the grace period, its pods evicted and recreated on node-1/node-3', async () => {
    const onNode2 = pods('--field-selector', 'spec.nodeName=node-2');
    assert.ok(onNode2.length > 0, 'the guestbook spreads pods over every node');
    await sandbox('/nodes/node-2/fail');
    // The node controller waits 50 s of cluster time without a heartbeat: jump the clock instead of waiting.
    await sandbox('/clock', { action: 'advance', seconds: 60 });
    ok(c.kubectl(['wait', '--for=condition=Ready=Unknown', 'node/node-2', '--timeout=30s']));
    const nodes = rows(ok(c.kubectl(['get', 'nodes'])));
    assert.deepEqual(nodes.slice(1).map((n) => [n[0], n[1]]), [
      ['node-1', 'Ready'],
      ['node-2', 'NotReady'],
      ['node-3', 'Ready'],
    ]);
    const node = ok(c.kubectl(['describe', 'node', 'node-2']));
    assert.match(node, /Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute\n\s+node\.kubernetes\.io\/unreachable:NoSchedule\n/);
    assert.match(node, /Ready\s+Unknown\s.*NodeStatusUnknown\s+Kubelet stopped posting node status\./);
    assert.match(node, /Normal\s+NodeNotReady\s+\S+\s+node-controller\s+Node node-2 status is now: NodeNotReady/);

    // DefaultTolerationSeconds gave every pod 300 s of tolerating the unreachable taint: still there, then
    // evicted once the clock passes them; the kubelet is gone, so they stay Terminating.
    const names = onNode2.map((p) => p[0]);
    const tolerations = ok(c.kubectl(['get', 'pod', names[0], '-o', 'jsonpath={.spec.tolerations[1]}']));
    assert.deepEqual(JSON.parse(tolerations), { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 });
    assert.ok(pods('--field-selector', 'spec.nodeName=node-2').every((p) => p[2] !== 'Terminating'));
    await sandbox('/clock', { action: 'advance', seconds: 300 });
    const terminating = await eventually('the pods on node-2 to be evicted', () => {
      const now = pods('--field-selector', 'spec.nodeName=node-2');
      return names.every((n) => now.find((p) => p[0] === n)?.[2] === 'Terminating') && now;
    });
    // READY counts ready containers, which only the (gone) kubelet reports: still 1/1, as on a real cluster;
    // the node controller marked the pod's Ready condition False.
    assert.ok(terminating.every((p) => p[1] === '1/1'), JSON.stringify(terminating));
    const evicted = ok(c.kubectl(['describe', 'pod', names[0]]));
    assert.match(evicted, /\n\s+Ready\s+False\s*\n/);
    assert.match(evicted, new RegExp(`Normal\\s+TaintManagerEviction\\s+\\S+\\s+taint-eviction-controller\\s+Marking for deletion Pod default/${names[0]}`));
    assert.match(evicted, /Warning\s+NodeNotReady\s+\S+\s+node-controller\s+Node is not ready/);

    // The RCs make replacements, which the scheduler keeps off the unreachable node.
    rcReady('redis-master', 1);
    rcReady('redis-slave', 3);
    rcReady('frontend', 3);
    const running = pods('--field-selector', 'status.phase=Running').filter((p) => p[2] === 'Running');
    assert.equal(running.length, 7, JSON.stringify(running));
    assert.ok(running.every((p) => p[1] === '1/1' && (p[6] === 'node-1' || p[6] === 'node-3')), JSON.stringify(running));

    // Recovery: the kubelet reports again, finishes the evicted pods, and the controller lifts the taints.
    await sandbox('/nodes/node-2/recover');
    ok(c.kubectl(['wait', '--for=condition=Ready', 'node/node-2', '--timeout=60s']));
    ok(c.kubectl(['wait', '--for=delete', ...names.map((n) => `pod/${n}`), '--timeout=60s']));
    await eventually('the taints of node-2 to go', () => ok(c.kubectl(['get', 'node', 'node-2', '-o', 'jsonpath={.spec.taints}'])) === '');
  });

  it('4. keeps a pod that fits no node Pending with FailedScheduling, and schedules it on a new node', () => {
    const pod = manifest(c, 'big.yaml', `apiVersion: v1
kind: Pod
metadata:
  name: big
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources:
      requests:
        cpu: "16"
`);
    assert.equal(ok(c.kubectl(['create', '-f', pod])).trim(), 'pod/big created');
    ok(c.kubectl(['wait', '--for=condition=PodScheduled=false', 'pod/big', '--timeout=30s']));
    assert.deepEqual(rows(ok(c.kubectl(['get', 'pod', 'big', '--no-headers'])))[0].slice(0, 4), ['big', '0/1', 'Pending', '0']);
    // 16 cpu exceeds every node's allocatable (4), so preemption could not help either (UnschedulableAndUnresolvable).
    const message =
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    const pending = ok(c.kubectl(['describe', 'pod', 'big']));
    assert.match(pending, /Status:\s+Pending\n/);
    assert.match(pending, /Node:\s+<none>\n/);
    assert.match(pending, /PodScheduled\s+False\s*\n/);
    assert.ok(pending.includes(`default-scheduler  ${message}\n`), pending);
    assert.match(pending, /Warning\s+FailedScheduling\s+\S+( \(x\d+ over \S+\))?\s+default-scheduler\s/);
    const condition = ok(c.kubectl(['get', 'pod', 'big', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']));
    assert.equal(condition, message);

    // A Node created through the API is registered by its simulated kubelet (with the capacity it brings).
    const node = manifest(c, 'node.yaml', `apiVersion: v1
kind: Node
metadata:
  name: node-4
  labels:
    kubernetes.io/hostname: node-4
status:
  capacity:
    cpu: "32"
    memory: 64Gi
    pods: "110"
`);
    assert.equal(ok(c.kubectl(['create', '-f', node])).trim(), 'node/node-4 created');
    ok(c.kubectl(['wait', '--for=condition=Ready', 'node/node-4', '--timeout=30s']));
    assert.deepEqual(rows(ok(c.kubectl(['get', 'node', 'node-4', '--no-headers'])))[0].slice(0, 3), ['node-4', 'Ready', '<none>']);

    // The scheduler retries the pod on the node change (back-off at most 10 s) and the kubelet starts it.
    ok(c.kubectl(['wait', '--for=condition=Ready', 'pod/big', '--timeout=60s'], { timeout: 90_000 }));
    const big = pods('big')[0];
    assert.deepEqual([big[0], big[1], big[2], big[6]], ['big', '1/1', 'Running', 'node-4']);
    assert.match(big[5], /^10\.244\.4\.\d+$/); // node IPAM gave node-4 the next pod CIDR
    const running = ok(c.kubectl(['describe', 'pod', 'big']));
    assert.match(running, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/big to node-4\n/);
  });
});
