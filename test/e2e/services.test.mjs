// Reaching a service with the real kubectl 1.35: `kubectl get --raw` through the API server's service proxy
// spreads over the pods of a ReplicationController, sticks to one with ClientIP affinity, and a LoadBalancer
// service gets an external address that the sandbox API routes like the cloud balancer would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, httpsRequest, manifest, ok, rows, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => (c = cluster));

const FRONTEND = `apiVersion: v1
kind: ReplicationController
metadata: {name: frontend}
spec:
  replicas: 3
  selector: {app: frontend}
  template:
    metadata:
      labels: {app: frontend}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  selector: {app: frontend}
  ports: [{port: 80}]
`;


/** The pod named in the first line of the simulated backend's answer. */
function answeredBy(text) {
  const m = /^Hello from (frontend-[a-z0-9]{5}) \(10\.244\.\d+\.\d+:80\) on node-\d$/m.exec(text);
  assert.ok(m, `unexpected answer:\n${text}`);
  return m[1];
}

const viaProxy = () => answeredBy(ok(c.kubectl(['get', '--raw', '/api/v1/namespaces/default/services/frontend:80/proxy/'])));

describe('reaching services', () => {
  it('spreads service proxy requests over the pods, and pins them with ClientIP affinity', async () => {
    ok(c.kubectl(['apply', '-f', manifest(c, 'frontend.yaml', FRONTEND)]));
    await eventually('three ready endpoints', () => {
      const ips = ok(c.kubectl(['get', 'endpoints', 'frontend', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).trim();
      return ips.split(' ').filter(Boolean).length === 3;
    });
    const out = ok(c.kubectl(['get', '--raw', '/api/v1/namespaces/default/services/frontend:80/proxy/index.html?lang=en']));
    assert.match(out, /^GET \/index\.html\?lang=en HTTP\/1\.1$/m);
    answeredBy(out);

    const spread = new Set();
    for (let i = 0; i < 12; i++) spread.add(viaProxy());
    assert.ok(spread.size > 1, `every request went to ${[...spread]}`);

    ok(c.kubectl(['patch', 'svc', 'frontend', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']));
    const pinned = new Set();
    for (let i = 0; i < 10; i++) pinned.add(viaProxy());
    assert.equal(pinned.size, 1, `answers came from ${[...pinned]}`);
  });

  it('shows the load balancer address and routes traffic to it', async () => {
    ok(c.kubectl(['expose', 'rc', 'frontend', '--name=frontend-lb', '--type=LoadBalancer', '--port=80']));
    const line = await eventually('an external IP', () => rows(ok(c.kubectl(['get', 'svc', 'frontend-lb']))).find((r) => r[0] === 'frontend-lb' && r[3] !== '<pending>'));
    assert.equal(line[1], 'LoadBalancer');
    assert.match(line[3], /^172\.18\.255\.(2[0-4]\d|250)$/);
    assert.match(line[4], /^80:3\d{4}\/TCP$/);

    const sandboxApi = c.server.replace('/clusters/', '/v1/clusters/');
    const r = await httpsRequest(`${sandboxApi}/loadbalancers/${line[3]}/ports/80/`, { headers: { authorization: `Bearer ${c.token}` } });
    assert.equal(r.status, 200, r.body);
    answeredBy(r.body);
    const events = ok(c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=frontend-lb', '-o', 'custom-columns=REASON:.reason', '--no-headers']));
    assert.deepEqual(events.trim().split('\n'), ['EnsuringLoadBalancer', 'EnsuredLoadBalancer']);
  });
});
