// RBAC with the real kubectl 1.35: bindings created with `kubectl create`, checked with `--as` and `auth can-i`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { httpsRequest, ok, rows, useCluster } from './harness.mjs';

let c;
let server;
useCluster((cluster, s) => {
  c = cluster;
  server = s;
});

/** A named user made through the sandbox API: a kubectl runner with its own kubeconfig. */
async function userKubectl(name, groups = []) {
  const id = /\/clusters\/([a-z2-7]{16})$/.exec(c.server)[1];
  const res = await httpsRequest(`${server.origin}/v1/clusters/${id}/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, groups }),
  });
  assert.equal(res.status, 201, res.body);
  const kubeconfig = join(c.dir, `${name}.config`);
  writeFileSync(kubeconfig, JSON.parse(res.body).kubeconfig);
  return (args) => {
    const r = spawnSync(c.kubectlPath, args, { env: { ...c.env, KUBECONFIG: kubeconfig }, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

describe('kubectl and RBAC', () => {
  it('shows the default cluster roles and bindings', () => {
    const roles = rows(ok(c.kubectl(['get', 'clusterroles'])));
    assert.deepEqual(roles[0], ['NAME', 'CREATED AT']);
    const names = roles.slice(1).map((r) => r[0]);
    for (const n of ['admin', 'cluster-admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer']) assert.ok(names.includes(n), n);
    const bindings = rows(ok(c.kubectl(['get', 'clusterrolebindings'])));
    assert.deepEqual(bindings[0], ['NAME', 'ROLE', 'AGE']);
    assert.deepEqual(bindings.find((r) => r[0] === 'cluster-admin').slice(0, 2), ['cluster-admin', 'ClusterRole/cluster-admin']);
    const view = ok(c.kubectl(['describe', 'clusterrole', 'view']));
    assert.match(view, /^Name:\s+view$/m);
    assert.match(view, /^\s+pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  });

  it('lets alice read pods through a RoleBinding of view, and nothing more', () => {
    assert.equal(ok(c.kubectl(['create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice'])).trim(), 'rolebinding.rbac.authorization.k8s.io/alice-view created');
    const wide = rows(ok(c.kubectl(['get', 'rolebindings', '-o', 'wide'])));
    assert.deepEqual(wide[0], ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
    assert.deepEqual([wide[1][0], wide[1][1], wide[1][3]], ['alice-view', 'ClusterRole/view', 'alice']);

    assert.equal(ok(c.kubectl(['get', 'pods', '--as=alice'])).trim(), '');
    const secrets = c.kubectl(['get', 'secrets', '--as=alice']);
    assert.equal(secrets.code, 1);
    assert.equal(secrets.stderr.trim(), 'Error from server (Forbidden): secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "default"');

    assert.equal(ok(c.kubectl(['auth', 'can-i', 'list', 'pods', '--as=alice'])).trim(), 'yes');
    const no = c.kubectl(['auth', 'can-i', 'create', 'pods', '--as=alice']);
    assert.equal(no.code, 1);
    assert.equal(no.stdout.trim(), 'no');
  });

  it('prints can-i --list as kubectl does', () => {
    const out = ok(c.kubectl(['auth', 'can-i', '--list', '--as=alice']));
    const table = rows(out);
    assert.deepEqual(table[0], ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    assert.ok(table.some((r) => r[0] === 'selfsubjectaccessreviews.authorization.k8s.io' && r.at(-1) === '[create]'), out);
    assert.ok(table.some((r) => r[0] === 'pods' && r.at(-1) === '[get list watch]'), out);
    assert.ok(table.some((r) => r[0] === '[/version]' && r.at(-1) === '[get]'), out);
  });

  it('refuses a role that grants more than its creator holds', () => {
    // admin may create roles in the namespace, but not grant what it lacks (nodes)
    ok(c.kubectl(['create', 'rolebinding', 'bob-admin', '--clusterrole=admin', '--user=bob']));
    const r = c.kubectl(['create', 'role', 'node-reader', '--verb=get', '--resource=nodes', '--as=bob']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}',
    );
    assert.equal(ok(c.kubectl(['create', 'clusterrolebinding', 'carol-view', '--clusterrole=view', '--group=auditors'])).trim(), 'clusterrolebinding.rbac.authorization.k8s.io/carol-view created');
    ok(c.kubectl(['get', 'pods', '-A', '--as=carol', '--as-group=auditors']));
    const nodes = c.kubectl(['get', 'nodes', '--as=carol']);
    assert.equal(nodes.stderr.trim(), 'Error from server (Forbidden): nodes is forbidden: User "carol" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  it('gives a real user bound to view read access to pods and nothing more, with kubectl\'s exact Forbidden output', async () => {
    const dana = await userKubectl('dana');
    const before = dana(['get', 'pods']);
    assert.equal(before.code, 1);
    assert.equal(before.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "dana" cannot list resource "pods" in API group "" in the namespace "default"');
    ok(c.kubectl(['create', 'rolebinding', 'dana-view', '--clusterrole=view', '--user=dana']));
    ok(c.kubectl(['run', 'probe', '--image=nginx']));
    assert.match(ok(dana(['get', 'pods'])), /^probe\s/m);
    const secrets = dana(['get', 'secrets']);
    assert.equal(secrets.code, 1);
    assert.equal(secrets.stderr.trim(), 'Error from server (Forbidden): secrets is forbidden: User "dana" cannot list resource "secrets" in API group "" in the namespace "default"');
    const create = dana(['create', 'configmap', 'x', '--from-literal=a=b']);
    assert.equal(create.code, 1);
    assert.equal(create.stderr.trim(), 'error: failed to create configmap: configmaps is forbidden: User "dana" cannot create resource "configmaps" in API group "" in the namespace "default"');
    const canI = dana(['auth', 'can-i', 'delete', 'pods']);
    assert.equal([canI.code, canI.stdout.trim()].join(' '), '1 no');
    assert.equal(ok(dana(['auth', 'can-i', 'watch', 'pods'])).trim(), 'yes');
  });
});
