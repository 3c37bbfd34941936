// A Deployment's life with the real kubectl 1.35: apply, rollout status, set image, history, undo.
// Pods become Ready through the simulated scheduler and kubelets, on the cluster's running clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifest, ok, rows, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => (c = cluster));

const NGINX = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  labels: {app: nginx}
spec:
  replicas: 3
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
`;

/** `kubectl rollout status` until it reports success (it watches; the timeout only bounds a broken run). */
function rolledOut() {
  const out = ok(c.kubectl(['rollout', 'status', 'deployment/nginx', '--timeout=120s'], { timeout: 150_000 }));
  assert.match(out, /deployment "nginx" successfully rolled out\n$/);
}

const images = () => ok(c.kubectl(['get', 'pods', '-l', 'app=nginx', '-o', 'jsonpath={.items[*].spec.containers[0].image}'])).trim().split(' ');

describe('kubectl rollout', () => {
  it('applies, updates, lists and undoes revisions', () => {
    const f = manifest(c, 'nginx.yaml', NGINX);
    assert.equal(ok(c.kubectl(['apply', '-f', f])).trim(), 'deployment.apps/nginx created');
    rolledOut();
    const deploy = rows(ok(c.kubectl(['get', 'deploy', 'nginx'])));
    assert.deepEqual(deploy[1].slice(0, 4), ['nginx', '3/3', '3', '3']);
    const rs1 = rows(ok(c.kubectl(['get', 'rs', '-l', 'app=nginx'])));
    assert.deepEqual(rs1[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.match(rs1[1][0], /^nginx-[4-9bcdf]{9,10}$/);
    assert.deepEqual(rs1[1].slice(1, 4), ['3', '3', '3']);

    assert.equal(ok(c.kubectl(['set', 'image', 'deployment/nginx', 'nginx=nginx:1.26'])).trim(), 'deployment.apps/nginx image updated');
    rolledOut();
    assert.deepEqual(images(), ['nginx:1.26', 'nginx:1.26', 'nginx:1.26']);

    const history = rows(ok(c.kubectl(['rollout', 'history', 'deployment/nginx'])));
    assert.deepEqual(history, [['deployment.apps/nginx'], ['REVISION', 'CHANGE-CAUSE'], ['1', '<none>'], ['2', '<none>']]);
    const rev2 = ok(c.kubectl(['rollout', 'history', 'deployment/nginx', '--revision=2']));
    assert.match(rev2, /Image:\s+nginx:1\.26/);

    assert.equal(ok(c.kubectl(['rollout', 'undo', 'deployment/nginx'])).trim(), 'deployment.apps/nginx rolled back');
    rolledOut();
    assert.deepEqual(images(), ['nginx:1.25', 'nginx:1.25', 'nginx:1.25']);
    const undone = rows(ok(c.kubectl(['rollout', 'history', 'deployment/nginx'])));
    assert.deepEqual(undone.slice(2), [['2', '<none>'], ['3', '<none>']]);
    assert.equal(ok(c.kubectl(['get', 'deploy', 'nginx', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'])), '3');

    const events = ok(c.kubectl(['get', 'events', '--field-selector', 'involvedObject.kind=Deployment', '-o', 'custom-columns=REASON:.reason,MESSAGE:.message', '--no-headers']));
    assert.match(events, /^ScalingReplicaSet\s+Scaled up replica set nginx-\w+ from 0 to 3$/m);
    assert.match(events, /^ScalingReplicaSet\s+Scaled down replica set nginx-\w+ from 3 to 2$/m);
  });

  it('pauses and resumes', () => {
    assert.equal(ok(c.kubectl(['rollout', 'pause', 'deployment/nginx'])).trim(), 'deployment.apps/nginx paused');
    ok(c.kubectl(['set', 'image', 'deployment/nginx', 'nginx=nginx:1.27']));
    const undo = c.kubectl(['rollout', 'undo', 'deployment/nginx']);
    assert.equal(undo.code, 1);
    assert.match(undo.stderr, /you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again/);
    assert.equal(ok(c.kubectl(['get', 'rs', '-l', 'app=nginx', '-o', 'name'])).trim().split('\n').length, 2);
    assert.equal(ok(c.kubectl(['rollout', 'resume', 'deployment/nginx'])).trim(), 'deployment.apps/nginx resumed');
    rolledOut();
    assert.deepEqual(images(), ['nginx:1.27', 'nginx:1.27', 'nginx:1.27']);
  });
});
