// kubectl 1.35 with Secrets and ConfigMaps (`kubectl create secret generic|tls|docker-registry` and
// `kubectl create configmap` send protobuf bodies), and the service account token volume on pods.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { manifest, ok, rows, useCluster } from './harness.mjs';

let c;
useCluster((cluster) => {
  c = cluster;
});

describe('secrets and configmaps', () => {
  it('creates a generic secret from a literal, shows it base64 in yaml and only its size in describe', () => {
    assert.equal(ok(c.kubectl(['create', 'secret', 'generic', 's', '--from-literal=password=hunter2'])).trim(), 'secret/s created');
    const yaml = ok(c.kubectl(['get', 'secret', 's', '-o', 'yaml']));
    assert.match(yaml, /\ndata:\n {2}password: aHVudGVyMg==\n/);
    assert.match(yaml, /\ntype: Opaque\n/);
    const described = ok(c.kubectl(['describe', 'secret', 's']));
    assert.match(described, /Type:\s+Opaque/);
    assert.match(described, /password:\s+7 bytes/);
    assert.ok(!described.includes('hunter2') && !described.includes('aHVudGVyMg=='), described);
  });

  it('creates a tls secret from a generated certificate and key', () => {
    const cert = join(c.dir, 'tls.crt');
    const key = join(c.dir, 'tls.key');
    const gen = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    assert.equal(ok(c.kubectl(['create', 'secret', 'tls', 'web-tls', `--cert=${cert}`, `--key=${key}`])).trim(), 'secret/web-tls created');
    const [head, row] = rows(ok(c.kubectl(['get', 'secret', 'web-tls'])));
    assert.deepEqual(head, ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual(row.slice(0, 3), ['web-tls', 'kubernetes.io/tls', '2']);
    const crt = ok(c.kubectl(['get', 'secret', 'web-tls', '-o', 'jsonpath={.data.tls\\.crt}']));
    assert.match(Buffer.from(crt, 'base64').toString(), /^-----BEGIN CERTIFICATE-----\n/);
  });

  it('creates a docker-registry secret with a valid .dockerconfigjson', () => {
    const args = ['--docker-server=registry.example.com', '--docker-username=robot', '--docker-password=pw', '--docker-email=robot@example.com'];
    assert.equal(ok(c.kubectl(['create', 'secret', 'docker-registry', 'regcred', ...args])).trim(), 'secret/regcred created');
    assert.equal(ok(c.kubectl(['get', 'secret', 'regcred', '-o', 'jsonpath={.type}'])), 'kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(ok(c.kubectl(['get', 'secret', 'regcred', '-o', 'jsonpath={.data.\\.dockerconfigjson}'])), 'base64').toString());
    assert.equal(config.auths['registry.example.com'].username, 'robot');
  });

  it('shows validation errors of a typed secret as kubectl prints them', () => {
    const r = c.kubectl(['create', 'secret', 'generic', 'half', '--type=kubernetes.io/tls', '--from-literal=tls.crt=x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Secret "half" is invalid: data\[tls\.key\]: Required value/);
  });

  it('creates a configmap from a literal and a file', () => {
    const file = manifest(c, 'app.properties', 'color=blue\nsize=10\n');
    assert.equal(ok(c.kubectl(['create', 'configmap', 'app-cfg', '--from-literal=mode=prod', `--from-file=${file}`])).trim(), 'configmap/app-cfg created');
    const [, row] = rows(ok(c.kubectl(['get', 'configmap', 'app-cfg'])));
    assert.deepEqual(row.slice(0, 2), ['app-cfg', '2']);
    assert.equal(ok(c.kubectl(['get', 'configmap', 'app-cfg', '-o', 'jsonpath={.data.app\\.properties}'])), 'color=blue\nsize=10\n');
    assert.equal(ok(c.kubectl(['get', 'configmap', 'app-cfg', '-o', 'jsonpath={.data.mode}'])), 'prod');
  });
});

describe('service account admission', () => {
  it('gives a pod the kube-api-access volume, its mount and the default tolerations', () => {
    assert.equal(ok(c.kubectl(['run', 'web', '--image=nginx:1.27'])).trim(), 'pod/web created');
    const yaml = ok(c.kubectl(['get', 'pod', 'web', '-o', 'yaml']));
    assert.match(yaml, /\n {2}serviceAccount: default\n {2}serviceAccountName: default\n/);
    assert.match(yaml, /\n {4}- mountPath: \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\n {6}name: kube-api-access-[a-z0-9]{5}\n {6}readOnly: true\n/);
    assert.match(yaml, /\n {2}- name: kube-api-access-[a-z0-9]{5}\n {4}projected:\n {6}defaultMode: 420\n {6}sources:\n {6}- serviceAccountToken:\n {10}expirationSeconds: 3607\n {10}path: token\n/);
    assert.match(yaml, /\n {2}- effect: NoExecute\n {4}key: node\.kubernetes\.io\/unreachable\n {4}operator: Exists\n {4}tolerationSeconds: 300\n/);
    const refused = c.kubectl(['run', 'ghost', '--image=nginx:1.27', '--overrides={"spec":{"serviceAccountName":"foo"}}']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.trim(), 'Error from server (Forbidden): pods "ghost" is forbidden: error looking up service account default/foo: serviceaccount "foo" not found');
  });
});
