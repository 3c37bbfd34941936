// The official Python client (Debian's python3-kubernetes, installed by .ci/run) against the real local server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newCluster, startServer } from './harness.mjs';

// Debian's package lives beside Debian's interpreter, not a pyenv one that may come first on PATH.
const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import kubernetes'], { encoding: 'utf8' }).status === 0;

describe('kubernetes Python client', { skip: available ? false : 'python3-kubernetes is not installed' }, () => {
  let server;
  let c;
  before(async () => {
    server = await startServer();
    c = await newCluster(server);
  });
  after(async () => server?.stop());

  it('lists, creates, patches, watches and deletes', () => {
    const r = spawnSync(PYTHON, [join(import.meta.dirname, 'python_client.py'), c.kubeconfig], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split('\n'), ['nodes ok', 'create ok', 'patch ok', 'list ok', 'watch ok', 'delete ok']);
  });
});
