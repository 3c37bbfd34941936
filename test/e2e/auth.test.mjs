// kubectl 1.35 and the identities of a sandbox: `create token`, `auth whoami` as a service account, as the
// owner and as a named user made through the sandbox API.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { httpsRequest, ok, useCluster } from './harness.mjs';

let c;
let server;
useCluster((cluster, s) => {
  c = cluster;
  server = s;
});

/** kubectl's tabwriter table (padding 3) of whoami's rows. */
const table = (rows) => {
  const width = Math.max(...rows.map(([a]) => a.length)) + 3;
  return rows.map(([a, b]) => a.padEnd(width) + b).join('\n') + '\n';
};

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

describe('kubectl and service account tokens', () => {
  it('create token prints a token that whoami shows as the service account, in the exact table', () => {
    const token = ok(c.kubectl(['create', 'token', 'default']));
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/); // no newline: stdout is not a terminal
    const sa = JSON.parse(ok(c.kubectl(['get', 'serviceaccount', 'default', '-o', 'json'])));
    const { jti, exp, iat } = claimsOf(token);
    assert.equal(exp - iat, 3600);
    const out = ok(c.kubectl([`--token=${token}`, 'auth', 'whoami']));
    assert.equal(
      out,
      table([
        ['ATTRIBUTE', 'VALUE'],
        ['Username', 'system:serviceaccount:default:default'],
        ['UID', sa.metadata.uid],
        ['Groups', '[system:serviceaccounts system:serviceaccounts:default system:authenticated]'],
        ['Extra: authentication.kubernetes.io/credential-id', `[JTI=${jti}]`],
      ]),
    );
  });

  it('create token refuses a duration under 10 minutes with the server’s message', () => {
    const r = c.kubectl(['create', 'token', 'default', '--duration=1m']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes\n',
    );
  });

  it('a wrong token is refused as kubectl expects', () => {
    const r = c.kubectl(['--token=eyJhbGciOiJSUzI1NiJ9.e30.AAAA', 'auth', 'whoami']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });

  it('whoami with the owner kubeconfig', () => {
    assert.equal(
      ok(c.kubectl(['auth', 'whoami'])),
      table([
        ['ATTRIBUTE', 'VALUE'],
        ['Username', 'sandbox-user'],
        ['Groups', '[system:masters system:authenticated]'],
      ]),
    );
  });

  it('a named user from the sandbox API works with its own kubeconfig', async () => {
    const id = /\/clusters\/([a-z2-7]{16})$/.exec(c.server)[1];
    const res = await httpsRequest(`${server.origin}/v1/clusters/${id}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alice', groups: ['dev'] }),
    });
    assert.equal(res.status, 201, res.body);
    const alice = JSON.parse(res.body);
    const kubeconfig = join(c.dir, 'alice.config');
    writeFileSync(kubeconfig, alice.kubeconfig);
    const r = spawnSync(c.kubectlPath, ['auth', 'whoami'], { env: { ...c.env, KUBECONFIG: kubeconfig }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      table([
        ['ATTRIBUTE', 'VALUE'],
        ['Username', 'alice'],
        ['Groups', '[dev system:authenticated]'],
      ]),
    );
  });
});
