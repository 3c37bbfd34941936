// kubectl 1.35 against the scheduler, the simulated kubelets and node lifecycle (the clock runs in real
// time here): run a pod, see it Running with its IP and node, cordon, delete and wait, drain.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpsRequest, ok, rows, useCluster } from './harness.mjs';

let c;
let server;
useCluster((cluster, srv) => {
  c = cluster;
  server = srv;
});

describe('pods on simulated nodes', () => {
  it('runs a pod: Running with an IP from its node and the kubelet events', () => {
    assert.equal(ok(c.kubectl(['run', 'web', '--image=nginx:1.27'])).trim(), 'pod/web created');
    ok(c.kubectl(['wait', '--for=condition=Ready', 'pod/web', '--timeout=30s']));
    const [head, web] = rows(ok(c.kubectl(['get', 'pods', '-o', 'wide'])));
    assert.deepEqual(head, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.deepEqual([web[0], web[1], web[2], web[3]], ['web', '1/1', 'Running', '0']);
    const node = web[6];
    assert.match(node, /^node-[123]$/);
    assert.match(web[5], new RegExp(`^10\\.244\\.${node.slice(5)}\\.\\d+$`));
    const describe = ok(c.kubectl(['describe', 'pod', 'web']));
    assert.match(describe, /Status:\s+Running/);
    assert.match(describe, /spec\.containers\{web\}: Pulling image "nginx:1\.27"/);
    assert.match(describe, /spec\.containers\{web\}: Container started/);
  });

  it('cordons a node: SchedulingDisabled, tainted, and new pods go elsewhere', () => {
    assert.equal(ok(c.kubectl(['cordon', 'node-1'])).trim(), 'node/node-1 cordoned');
    const nodes = rows(ok(c.kubectl(['get', 'nodes'])));
    assert.equal(nodes.find((n) => n[0] === 'node-1')[1], 'Ready,SchedulingDisabled');
    for (let i = 0; i < 3; i++) ok(c.kubectl(['run', `p${i}`, '--image=nginx:1.27']));
    ok(c.kubectl(['wait', '--for=condition=PodScheduled', 'pod/p0', 'pod/p1', 'pod/p2', '--timeout=30s']));
    const placed = rows(ok(c.kubectl(['get', 'pods', 'p0', 'p1', 'p2', '-o', 'wide', '--no-headers'])));
    assert.ok(placed.every((p) => p[6] !== 'node-1'), JSON.stringify(placed));
    const taints = ok(c.kubectl(['get', 'node', 'node-1', '-o', 'jsonpath={.spec.taints[*].key}']));
    assert.equal(taints, 'node.kubernetes.io/unschedulable');
    assert.equal(ok(c.kubectl(['uncordon', 'node-1'])).trim(), 'node/node-1 uncordoned');
  });

  it('deletes a pod and waits until its kubelet has finished it', () => {
    const out = ok(c.kubectl(['delete', 'pod', 'web', '--timeout=30s']));
    assert.equal(out.trim(), 'pod "web" deleted from default namespace');
    const gone = c.kubectl(['get', 'pod', 'web']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /pods "web" not found/);
  });

  it('drains a node through the eviction subresource', () => {
    const onNode = (n) => rows(ok(c.kubectl(['get', 'pods', '-o', 'wide', '--no-headers']))).filter((p) => p[6] === n).map((p) => p[0]);
    const node = ['node-2', 'node-3'].find((n) => onNode(n).length) ?? 'node-2';
    const r = c.kubectl(['drain', node, '--force', '--timeout=60s']);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, new RegExp(`node/${node} drained`));
    assert.deepEqual(onNode(node), []);
    ok(c.kubectl(['uncordon', node]));
  });

  it('refuses to drain a node while a PodDisruptionBudget would be violated', () => {
    const guarded = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: guarded}',
      'spec:',
      '  replicas: 2',
      '  selector: {matchLabels: {app: guarded}}',
      '  template:',
      '    metadata: {labels: {app: guarded}}',
      '    spec:',
      '      nodeSelector: {kubernetes.io/hostname: node-1}',
      '      containers: [{name: web, image: "nginx:1.27"}]',
    ].join('\n');
    ok(c.kubectl(['apply', '-f', '-'], { input: guarded }));
    // kubectl create sends the budget as protobuf.
    const created = ok(c.kubectl(['create', 'pdb', 'guarded', '--selector=app=guarded', '--min-available=2']));
    assert.equal(created.trim(), 'poddisruptionbudget.policy/guarded created');
    ok(c.kubectl(['rollout', 'status', 'deployment/guarded', '--timeout=30s']));
    ok(c.kubectl(['wait', '--for=jsonpath={.status.currentHealthy}=2', 'pdb/guarded', '--timeout=30s']));
    const [head, row] = rows(ok(c.kubectl(['get', 'pdb'])));
    assert.deepEqual(head, ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    assert.deepEqual(row.slice(0, 4), ['guarded', '2', 'N/A', '0']);

    const r = c.kubectl(['drain', 'node-1', '--force', '--ignore-daemonsets', '--timeout=5s']);
    assert.equal(r.code, 1, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    const pods = rows(ok(c.kubectl(['get', 'pods', '-l', 'app=guarded', '--no-headers'])));
    assert.deepEqual(pods.map((p) => p[2]), ['Running', 'Running']);

    assert.equal(ok(c.kubectl(['delete', 'pdb', 'guarded'])).trim(), 'poddisruptionbudget.policy "guarded" deleted from default namespace');
    ok(c.kubectl(['delete', 'deployment', 'guarded']));
    assert.equal(ok(c.kubectl(['uncordon', 'node-1'])).trim(), 'node/node-1 uncordoned');
  });

  it('fails and recovers a node through the sandbox API', async () => {
    const call = (path) => httpsRequest(`${server.origin}/v1/clusters/${clusterId()}${path}`, { method: 'POST', headers: { authorization: `Bearer ${c.token}` } });
    const failed = await call('/nodes/node-3/fail');
    assert.equal(failed.status, 200, failed.body);
    const lease = JSON.parse(ok(c.kubectl(['get', 'lease', 'node-3', '-n', 'kube-node-lease', '-o', 'json'])));
    assert.equal(lease.spec.holderIdentity, 'node-3');
    const recovered = await call('/nodes/node-3/recover');
    assert.equal(recovered.status, 200, recovered.body);
  });
});

/** The cluster id, from the kubeconfig's server URL (…/clusters/<id>). */
const clusterId = () => /\/clusters\/([^/]+)/.exec(c.server)[1];
