// kubectl commands that send protobuf bodies, and server-side apply, against the real local server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifest, ok as run, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => (c = cluster));

const ok = (r) => run(r).trim();

describe('kubectl create (protobuf request bodies)', () => {
  it('creates the objects of the imperative create commands', () => {
    assert.equal(ok(c.kubectl(['create', 'namespace', 'shop'])), 'namespace/shop created');
    assert.equal(ok(c.kubectl(['-n', 'shop', 'create', 'secret', 'generic', 'db', '--from-literal=password=s3cret'])), 'secret/db created');
    assert.equal(ok(c.kubectl(['-n', 'shop', 'create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=2'])), 'configmap/cfg created');
    assert.equal(ok(c.kubectl(['-n', 'shop', 'create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2'])), 'deployment.apps/web created');
    assert.equal(ok(c.kubectl(['-n', 'shop', 'create', 'service', 'clusterip', 'web', '--tcp=80:8080'])), 'service/web created');
    assert.equal(ok(c.kubectl(['-n', 'shop', 'create', 'serviceaccount', 'robot'])), 'serviceaccount/robot created');
    assert.equal(ok(c.kubectl(['-n', 'shop', 'create', 'quota', 'q', '--hard=pods=10'])), 'resourcequota/q created');

    assert.equal(ok(c.kubectl(['-n', 'shop', 'get', 'secret', 'db', '-o', 'jsonpath={.data.password}'])), Buffer.from('s3cret').toString('base64'));
    assert.equal(ok(c.kubectl(['-n', 'shop', 'get', 'cm', 'cfg', '-o', 'jsonpath={.data.b}'])), '2');
    const d = JSON.parse(ok(c.kubectl(['-n', 'shop', 'get', 'deploy', 'web', '-o', 'json'])));
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    const svc = JSON.parse(ok(c.kubectl(['-n', 'shop', 'get', 'svc', 'web', '-o', 'json'])));
    assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
  });
});

describe('kubectl apply --server-side', () => {
  const deployment = (replicas) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
`;

  it('applies, reports conflicts as kubectl prints them, and forces', () => {
    const f = manifest(c, 'ssa.yaml', deployment(2));
    assert.equal(ok(c.kubectl(['apply', '--server-side', '-f', f])), 'deployment.apps/ssa serverside-applied');
    const shown = ok(c.kubectl(['get', 'deploy', 'ssa', '-o', 'yaml', '--show-managed-fields']));
    assert.match(shown, /manager: kubectl\n\s+operation: Apply/);
    assert.match(shown, /f:replicas: \{\}/);

    assert.equal(ok(c.kubectl(['scale', 'deploy', 'ssa', '--replicas=4'])), 'deployment.apps/ssa scaled');
    manifest(c, 'ssa.yaml', deployment(3));
    const conflict = c.kubectl(['apply', '--server-side', '-f', f]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas$/m);
    assert.equal(ok(c.kubectl(['apply', '--server-side', '--force-conflicts', '-f', f])), 'deployment.apps/ssa serverside-applied');
    assert.equal(ok(c.kubectl(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}'])), '3');
  });
});
