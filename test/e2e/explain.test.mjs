// kubectl 1.35 reading the served OpenAPI v3 schemas: explain, and client-side apply computing its
// strategic-merge patch from them (no fallback to /openapi/v2 or the compiled-in types).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifest, ok, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => (c = cluster));

const deployment = (image, containers = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: explained
spec:
  replicas: 1
  selector:
    matchLabels: {app: explained}
  template:
    metadata:
      labels: {app: explained}
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
${containers}`;

describe('kubectl explain and apply against the served OpenAPI v3 schemas', () => {
  it('explains pod.spec.containers with the upstream documentation', () => {
    const out = ok(c.kubectl(['explain', 'pod.spec.containers']));
    assert.match(out, /^KIND:\s+Pod$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /^FIELD:\s+containers <\[\]Container>$/m);
    assert.match(out, /List of containers belonging to the pod\. Containers cannot currently be/);
    assert.match(out, /A single application container that you want to run within a pod\./);
    assert.match(out, /^ {2}name\t<string> -required-$/m);
    assert.match(out, /^ {2}ports\t<\[\]ContainerPort>$/m);
    assert.match(out, /^ {2}resources\t<ResourceRequirements>$/m);
  });

  it('explains leaf types the way a real cluster does', () => {
    assert.match(ok(c.kubectl(['explain', 'deployment.spec.strategy.rollingUpdate'])), /^ {2}maxSurge\t<IntOrString>$/m);
    assert.match(ok(c.kubectl(['explain', 'pod.spec.containers.resources'])), /^ {2}limits\t<map\[string\]Quantity>$/m);
    assert.match(ok(c.kubectl(['explain', 'pod.metadata'])), /^ {2}creationTimestamp\t<string>$/m);
    const protocol = ok(c.kubectl(['explain', 'pod.spec.containers.ports.protocol']));
    assert.match(protocol, /^FIELD:\s+protocol <string>$/m);
    assert.match(protocol, /^ENUM:\n {4}SCTP\n {4}TCP\n {4}UDP$/m);
  });

  it('explains deployment --recursive', () => {
    const out = ok(c.kubectl(['explain', 'deployment', '--recursive']));
    assert.match(out, /^GROUP:\s+apps$/m);
    assert.match(out, /^KIND:\s+Deployment$/m);
    assert.match(out, /^ {4}replicas\t<integer>$/m);
    assert.match(out, /^ {8}containers\t<\[\]Container> -required-$/m);
  });

  it('explains a group-qualified kind and rejects an unknown field', () => {
    assert.match(ok(c.kubectl(['explain', 'endpointslices.discovery.k8s.io.endpoints'])), /^ {2}addresses\t<\[\]string> -required-$/m);
    const bad = c.kubectl(['explain', 'pod.spec.nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field "nope" does not exist/);
  });

  it('computes the client-side apply patch from the v3 schema (containers merge by name)', () => {
    ok(c.kubectl(['apply', '-f', manifest(c, 'explained-1.yaml', deployment('nginx:1.26'))]));
    // Another writer adds a sidecar; apply must merge containers by name and keep it.
    ok(c.kubectl(['patch', 'deployment', 'explained', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}']));
    const r = c.kubectl(['apply', '-v=6', '-f', manifest(c, 'explained-2.yaml', deployment('nginx:1.27'))]);
    ok(r);
    assert.doesNotMatch(r.stderr, /error calculating patch from openapi/);
    assert.match(r.stderr, /\/openapi\/v3\/apis\/apps\/v1\?hash=/);
    assert.doesNotMatch(r.stderr, /\/openapi\/v2/); // v3 was usable: no fallback
    const spec = JSON.parse(ok(c.kubectl(['get', 'deployment', 'explained', '-o', 'json']))).spec.template.spec;
    // (order is the server's strategic-merge business; what matters is that nothing was replaced)
    assert.deepEqual(Object.fromEntries(spec.containers.map((x) => [x.name, x.image])), { web: 'nginx:1.27', sidecar: 'busybox:1.36' });
  });
});
