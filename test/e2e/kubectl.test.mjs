// kubectl 1.35 against the real local server: the commands of a first tutorial, and their errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { manifest, ok, rows, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => (c = cluster));

const DEPLOYMENT = (replicas, image = 'nginx:1.27') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
`;

describe('kubectl against a fresh sandbox', () => {
  it('reports a v1.35 server', () => {
    const v = JSON.parse(ok(c.kubectl(['version', '-o', 'json'])));
    assert.equal(v.serverVersion.gitVersion, 'v1.35.0');
    assert.equal(v.serverVersion.minor, '35');
  });

  it('gets the three Ready nodes with real columns', () => {
    const out = ok(c.kubectl(['get', 'nodes']));
    const [head, ...nodes] = rows(out);
    assert.deepEqual(head, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    assert.deepEqual(nodes.map((n) => [n[0], n[1], n[2], n[4]]), [
      ['node-1', 'Ready', '<none>', 'v1.35.0'],
      ['node-2', 'Ready', '<none>', 'v1.35.0'],
      ['node-3', 'Ready', '<none>', 'v1.35.0'],
    ]);
    const wide = rows(ok(c.kubectl(['get', 'nodes', '-o', 'wide'])));
    assert.deepEqual(wide[0].slice(0, 7), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP']);
    assert.equal(wide[1][5], '172.18.0.3');
  });

  it('gets the kubeadm namespaces and the kubernetes service', () => {
    const ns = rows(ok(c.kubectl(['get', 'ns'])));
    assert.deepEqual(ns[0], ['NAME', 'STATUS', 'AGE']);
    assert.deepEqual(ns.slice(1).map((r) => r.slice(0, 2)), [
      ['default', 'Active'],
      ['kube-node-lease', 'Active'],
      ['kube-public', 'Active'],
      ['kube-system', 'Active'],
    ]);
    const svc = rows(ok(c.kubectl(['get', 'svc'])));
    assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.deepEqual(svc[1].slice(0, 5), ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
  });

  it('lists resource types from aggregated discovery', () => {
    const out = ok(c.kubectl(['api-resources']));
    assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
  });

  it('runs a pod until Ready, labels, annotates, describes and deletes it', () => {
    assert.equal(ok(c.kubectl(['run', 'nginx', '--image=nginx'])).trim(), 'pod/nginx created');
    const pods = rows(ok(c.kubectl(['get', 'pods'])));
    assert.deepEqual(pods[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.equal(pods[1][0], 'nginx');
    const pod = JSON.parse(ok(c.kubectl(['get', 'pod', 'nginx', '-o', 'json'])));
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'Always');
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.metadata.generation, 1);

    // The scheduler and the simulated kubelet start it (image pull and start take a moment of real time).
    assert.equal(ok(c.kubectl(['wait', '--for=condition=Ready', 'pod/nginx', '--timeout=60s'])).trim(), 'pod/nginx condition met');
    const wide = rows(ok(c.kubectl(['get', 'pods', '-o', 'wide'])));
    assert.deepEqual(wide[1].slice(0, 4), ['nginx', '1/1', 'Running', '0']);
    assert.match(wide[1][5], /^10\.244\.[123]\.\d+$/);
    assert.match(wide[1][6], /^node-[123]$/);

    assert.equal(ok(c.kubectl(['label', 'pod', 'nginx', 'env=dev'])).trim(), 'pod/nginx labeled');
    assert.equal(ok(c.kubectl(['annotate', 'pod', 'nginx', 'owner=me'])).trim(), 'pod/nginx annotated');
    assert.match(ok(c.kubectl(['get', 'pods', '-l', 'env=dev', '--show-labels'])), /^nginx\s+1\/1\s+Running\s+0\s+\S+\s+env=dev,run=nginx$/m);
    assert.equal(ok(c.kubectl(['get', 'pods', '-l', 'env!=dev', '-o', 'name'])).trim(), '');
    assert.equal(ok(c.kubectl(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name'])).trim(), 'pod/nginx');

    const described = ok(c.kubectl(['describe', 'pod', 'nginx']));
    assert.match(described, /^Name:\s+nginx$/m);
    assert.match(described, /^Namespace:\s+default$/m);
    assert.match(described, /^Labels:\s+env=dev$/m);
    assert.match(described, /^Status:\s+Running$/m);
    assert.match(described, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/nginx to node-[123]/);
    assert.match(described, /Normal\s+Started\s+\S+\s+kubelet\s+spec.containers\{nginx\}: Container started/);

    assert.equal(ok(c.kubectl(['delete', 'pod', 'nginx'])).trim(), 'pod "nginx" deleted from default namespace');
    const gone = c.kubectl(['get', 'pod', 'nginx']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): pods "nginx" not found');
  });

  it('creates, applies, scales and deletes a deployment from a file', () => {
    const f = manifest(c, 'web.yaml', DEPLOYMENT(2));
    assert.equal(ok(c.kubectl(['create', '-f', f])).trim(), 'deployment.apps/web created');
    const again = c.kubectl(['create', '-f', f]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim(), 'Error from server (AlreadyExists): error when creating "' + f + '": deployments.apps "web" already exists');
    const d = rows(ok(c.kubectl(['get', 'deploy'])));
    assert.deepEqual(d[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.deepEqual(d[1].slice(0, 2), ['web', '0/2']);

    manifest(c, 'web.yaml', DEPLOYMENT(3, 'nginx:1.28'));
    const applied = c.kubectl(['apply', '-f', f]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout.trim(), 'deployment.apps/web configured');
    assert.match(applied.stderr, /missing the kubectl.kubernetes.io\/last-applied-configuration annotation/);
    assert.equal(ok(c.kubectl(['apply', '-f', f])).trim(), 'deployment.apps/web unchanged');
    const live = JSON.parse(ok(c.kubectl(['get', 'deploy', 'web', '-o', 'json'])));
    assert.equal(live.spec.replicas, 3);
    assert.equal(live.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(live.spec.template.spec.containers[0].ports[0].containerPort, 80);
    assert.equal(live.metadata.generation, 2);

    assert.equal(ok(c.kubectl(['scale', 'deploy', 'web', '--replicas=5'])).trim(), 'deployment.apps/web scaled');
    assert.equal(ok(c.kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])), '5');
    assert.equal(ok(c.kubectl(['scale', 'deploy', 'web', '--current-replicas=5', '--replicas=1'])).trim(), 'deployment.apps/web scaled');
    assert.equal(ok(c.kubectl(['set', 'image', 'deploy/web', 'nginx=nginx:1.29'])).trim(), 'deployment.apps/web image updated');
    assert.equal(ok(c.kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])), 'nginx:1.29');

    assert.equal(ok(c.kubectl(['delete', '-f', f])).trim(), 'deployment.apps "web" deleted from default namespace');
  });

  it('prints Kubernetes validation errors', () => {
    const bad = manifest(c, 'bad.yaml', DEPLOYMENT(-1).replace('image: nginx:1.27', 'image: ""'));
    const r = c.kubectl(['create', '-f', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Deployment "web" is invalid: \n\* spec\.replicas: Invalid value: -1: must be greater than or equal to 0\n\* spec\.template\.spec\.containers\[0\]\.image: Required value/);
    const badName = c.kubectl(['run', 'Bad_Name', '--image=nginx']);
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /^The Pod "Bad_Name" is invalid: \n\* metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    assert.match(badName.stderr, /^\* spec.containers\[0\].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of/m);
    const typo = manifest(c, 'typo.yaml', DEPLOYMENT(1).replace('  replicas: 1', '  replicas: 1\n  foo: bar'));
    const strict = c.kubectl(['create', '-f', typo]);
    assert.equal(strict.code, 1);
    assert.equal(
      strict.stderr.trim(),
      `Error from server (BadRequest): error when creating "${typo}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`,
    );
    const missingNs = c.kubectl(['run', 'x', '--image=nginx', '-n', 'nope']);
    assert.equal(missingNs.stderr.trim(), 'Error from server (NotFound): namespaces "nope" not found');
  });

  it('creates and deletes a namespace from a file', () => {
    const f = manifest(c, 'ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n');
    assert.equal(ok(c.kubectl(['apply', '-f', f])).trim(), 'namespace/demo created');
    assert.equal(ok(c.kubectl(['run', 'p', '--image=busybox', '-n', 'demo'])).trim(), 'pod/p created');
    assert.equal(ok(c.kubectl(['delete', 'ns', 'demo'])).trim(), 'namespace "demo" deleted');
    assert.equal(c.kubectl(['get', 'ns', 'demo']).stderr.trim(), 'Error from server (NotFound): namespaces "demo" not found');
    const immortal = c.kubectl(['delete', 'ns', 'default']);
    assert.equal(immortal.stderr.trim(), 'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted');
  });

  it('keeps secrets and configmaps from files', () => {
    const f = manifest(c, 'secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: s3cret\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n  b: "2"\n');
    assert.equal(ok(c.kubectl(['apply', '-f', f])).trim(), 'secret/db created\nconfigmap/cfg created');
    assert.equal(ok(c.kubectl(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}'])), Buffer.from('s3cret').toString('base64'));
    const secrets = rows(ok(c.kubectl(['get', 'secrets'])));
    assert.deepEqual(secrets[0], ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual(secrets[1].slice(0, 3), ['db', 'Opaque', '1']);
    assert.deepEqual(rows(ok(c.kubectl(['get', 'cm', 'cfg'])))[1].slice(0, 2), ['cfg', '2']);
  });

  it('streams changes to get -w', async () => {
    const child = spawn(c.kubectlPath, ['get', 'pods', '-w', '--output-watch-events'], { env: c.env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const waitFor = async (re) => {
      for (let i = 0; i < 600 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, re);
    };
    try {
      await new Promise((r) => setTimeout(r, 1500));
      ok(c.kubectl(['run', 'watched', '--image=nginx']));
      await waitFor(/ADDED\s+watched\s+0\/1\s+Pending/);
      ok(c.kubectl(['delete', 'pod', 'watched']));
      await waitFor(/DELETED\s+watched/);
    } finally {
      child.kill();
    }
  });
});
