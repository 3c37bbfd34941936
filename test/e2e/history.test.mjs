// History with the real kubectl 1.35: a Deployment rollout recorded revision by revision, time travel to
// before `kubectl set image`, kubectl's requests in the audit log, and a Secret applied with kubectl kept
// out of history in clear.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpsRequest, manifest, ok, useCluster } from './harness.mjs';

let c;
let server;
useCluster((cluster, s) => {
  c = cluster;
  server = s;
});

/** GET on the cluster's sandbox API with its bearer token; the parsed body after asserting the status. */
async function sandbox(path, status = 200) {
  const id = /\/clusters\/([^/]+)/.exec(c.server)[1];
  const r = await httpsRequest(`${server.origin}/v1/clusters/${id}${path}`, { headers: { authorization: `Bearer ${c.token}` } });
  assert.equal(r.status, status, r.body);
  return JSON.parse(r.body);
}

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
`;

const rolledOut = () => ok(c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeout: 150_000 }));
const imageOf = (deployment) => deployment.spec.template.spec.containers[0].image;

describe('history', () => {
  it('records a Deployment rollout and travels back to before the set image', async () => {
    ok(c.kubectl(['apply', '-f', manifest(c, 'web.yaml', WEB)]));
    rolledOut();
    const before = (await sandbox('/clock')).now;
    assert.equal(ok(c.kubectl(['set', 'image', 'deployment/web', 'nginx=nginx:1.26'])).trim(), 'deployment.apps/web image updated');
    rolledOut();

    const h = await sandbox('/history/deployments.apps/default/web');
    assert.equal(h.kind, 'ObjectHistory');
    assert.equal(h.items[0].type, 'ADDED');
    assert.equal(imageOf(h.items[0].object), 'nginx:1.25');
    const change = h.items.flatMap((i) => i.diff ?? []).find((d) => d.path === '/spec/template/spec/containers/0/image');
    assert.deepEqual(change, { op: 'replace', path: '/spec/template/spec/containers/0/image', from: 'nginx:1.25', value: 'nginx:1.26' });
    // The controller's status updates of the rollout are revisions too.
    assert.ok(h.items.some((i) => i.diff?.some((d) => d.path.startsWith('/status/'))), 'status revisions');

    const then = await sandbox(`/history/deployments.apps/default/web?asOf=${encodeURIComponent(before)}`);
    assert.equal(then.kind, 'Deployment');
    assert.equal(imageOf(then), 'nginx:1.25');
    const now = JSON.parse(ok(c.kubectl(['get', 'deployment', 'web', '-o', 'json'])));
    assert.equal(imageOf(await sandbox(`/history/deployments.apps/default/web?asOf=${now.metadata.resourceVersion}`)), 'nginx:1.26');
    const gone = await sandbox('/history/deployments.apps/default/web?asOf=2000-01-01T00:00:00Z', 404);
    assert.equal(gone.reason, 'NotFound');

    const list = await sandbox('/history?resource=replicasets.apps&verb=create');
    assert.equal(list.items.length, 2, 'one ReplicaSet per template');
  });

  it('audits kubectl\'s requests and keeps the values of an applied Secret out of history', async () => {
    const secret = `apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: swordfish-e2e
`;
    ok(c.kubectl(['apply', '-f', manifest(c, 'secret.yaml', secret)]));
    const h = await sandbox('/history/secrets/default/creds');
    const stored = h.items[0].object;
    assert.deepEqual(stored.data, { password: '<redacted: 20 bytes>' });
    assert.doesNotMatch(JSON.stringify(h), /swordfish|c3dvcmRmaXNo/);
    assert.match(stored.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], /"password":"<redacted: 13 bytes>"/);

    const audit = await sandbox('/audit?verb=patch&resource=deployments.apps');
    assert.equal(audit.items.length, 1, JSON.stringify(audit.items));
    assert.equal(audit.items[0].name, 'web');
    assert.equal(audit.items[0].code, 200);
    assert.match(audit.items[0].userAgent, /^kubectl\/v1\.35/);
    const bad = await sandbox('/audit?since=last-week', 400);
    assert.equal(bad.kind, 'Status');
  });
});
