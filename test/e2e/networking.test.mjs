// Services as kubectl 1.35 shows them: every type in `kubectl get svc`, with the columns and cells of a real
// cluster (CLUSTER-IP, EXTERNAL-IP, PORT(S) like 80:30001/TCP), and the registry's 422 for a bad cluster IP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, manifest, ok, rows, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => {
  c = cluster;
});

const SERVICES = `apiVersion: v1
kind: Service
metadata: {name: redis-master}
spec:
  selector: {app: redis}
  ports: [{name: redis, port: 6379}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  type: NodePort
  selector: {app: guestbook}
  ports: [{port: 80, nodePort: 30001}]
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: guestbook}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  selector: {app: redis}
  ports: [{port: 6379}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  type: ExternalName
  externalName: db.example.com
`;


describe('services in kubectl', () => {
  it('shows every service type with the columns of a real cluster', async () => {
    ok(c.kubectl(['apply', '-f', manifest(c, 'services.yaml', SERVICES)]));
    // The load balancer controller fills in the external address right after the create.
    const out = await eventually('an external IP for the LoadBalancer', () => {
      const text = ok(c.kubectl(['get', 'svc']));
      return /lb\s+LoadBalancer\s+\S+\s+\d+\.\d+\.\d+\.\d+/.test(text) && text;
    });
    const [header, ...lines] = rows(out);
    assert.deepEqual(header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    const byName = Object.fromEntries(lines.map((r) => [r[0], r]));
    const clusterIP = /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/;
    assert.deepEqual(byName.kubernetes.slice(1, 5), ['ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
    assert.deepEqual(byName['redis-master'].slice(1, 2), ['ClusterIP']);
    assert.match(byName['redis-master'][2], clusterIP);
    assert.deepEqual(byName['redis-master'].slice(3, 5), ['<none>', '6379/TCP']);
    assert.deepEqual([byName.frontend[1], byName.frontend[3], byName.frontend[4]], ['NodePort', '<none>', '80:30001/TCP']);
    assert.equal(byName.lb[1], 'LoadBalancer');
    assert.match(byName.lb[3], /^172\.18\.255\.\d+$/);
    assert.match(byName.lb[4], /^80:3\d{4}\/TCP$/);
    assert.deepEqual(byName.headless.slice(1, 5), ['ClusterIP', 'None', '<none>', '6379/TCP']);
    assert.deepEqual(byName.db.slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
  });

  it('refuses a cluster IP outside the service range with the 422 kubectl prints', () => {
    const bad = manifest(c, 'bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  clusterIP: 10.0.0.5\n  ports: [{port: 80}]\n');
    const r = c.kubectl(['create', '-f', bad]);
    assert.notEqual(r.status, 0);
    assert.equal(
      r.stderr.trim(),
      'The Service "bad" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: the provided network does not match the current range',
    );
    assert.notEqual(c.kubectl(['get', 'svc', 'bad']).status, 0);
  });
});
