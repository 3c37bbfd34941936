// The ServiceAccount, DefaultTolerationSeconds and DefaultStorageClass plugins over HTTP, Secret and ConfigMap
// rules end to end, and proof that a Secret's value never reaches the Durable Object's storage in clear.
import { describe, expect, it } from 'vitest';
import { inCluster, jsonCalls, settle, usePausedCluster, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signup, kube) => {
  s = signup;
  k = kube;
});
const { get, post, patch } = jsonCalls(() => k);

const NS = '/api/v1/namespaces/default';
const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { schedulerName: 'manual', containers: [{ name: 'app', image: 'nginx' }], ...spec },
});
const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

async function status(r: Response): Promise<{ code: number; reason: string; message: string }> {
  const body = await r.json<any>();
  return { code: body.code, reason: body.reason, message: body.message };
}

describe('pods through ServiceAccount and DefaultTolerationSeconds', () => {
  it('get the default account, the projected token volume and the not-ready/unreachable tolerations', async () => {
    // Right after sign-up: the `default` account may still be on its way from the controller.
    const p = await post(`${NS}/pods`, pod('web', { initContainers: [{ name: 'init', image: 'busybox' }] }));
    expect(p.spec.serviceAccountName).toBe('default');
    expect(p.spec.serviceAccount).toBe('default');
    const volume = p.spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
    expect(volume.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(volume.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    const mount = { name: volume.name, readOnly: true, mountPath: TOKEN_PATH };
    expect(p.spec.containers[0].volumeMounts).toEqual([mount]);
    expect(p.spec.initContainers[0].volumeMounts).toEqual([mount]);
    expect(p.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    // An update (here a label) keeps all of it, and a PUT of what GET returned changes nothing.
    const labelled = await patch(`${NS}/pods/web`, { metadata: { labels: { a: 'b' } } });
    expect(labelled.spec).toEqual(p.spec);
    const put = await k(`${NS}/pods/web`, { method: 'PUT', json: labelled });
    expect(put.status).toBe(200);
  });

  it('mount nothing when the pod or its account says automountServiceAccountToken: false', async () => {
    const off = await post(`${NS}/pods`, pod('off', { automountServiceAccountToken: false }));
    expect(off.spec.volumes).toBeUndefined();
    expect(off.spec.containers[0].volumeMounts).toBeUndefined();
    await post(`${NS}/serviceaccounts`, { metadata: { name: 'quiet' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'reg' }] });
    const quiet = await post(`${NS}/pods`, pod('quiet', { serviceAccountName: 'quiet' }));
    expect(quiet.spec.volumes).toBeUndefined();
    expect(quiet.spec.imagePullSecrets).toEqual([{ name: 'reg' }]);
  });

  it('are refused when they name an account that does not exist', async () => {
    const r = await k(`${NS}/pods`, { method: 'POST', json: pod('x', { serviceAccountName: 'foo' }) });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "x" is forbidden: error looking up service account default/foo: serviceaccount "foo" not found',
      reason: 'Forbidden',
      details: { name: 'x', kind: 'pods' },
      code: 403,
    });
    expect((await k(`${NS}/pods/x`)).status).toBe(404);
  });

  it('from a controller get the same (a Deployment’s pods)', async () => {
    await post('/apis/apps/v1/namespaces/default/deployments', {
      metadata: { name: 'd' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: pod('').spec } },
    });
    await settle(s.id);
    const [p] = (await get(`${NS}/pods?labelSelector=app=d`)).items;
    expect(p.spec.serviceAccountName).toBe('default');
    expect(p.spec.volumes[0].name).toMatch(/^kube-api-access-/);
    expect(p.spec.tolerations).toHaveLength(2);
  });
});

describe('DefaultStorageClass', () => {
  const claim = (name: string, spec: Record<string, unknown> = {}) => ({
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  });

  it('gives a claim without a class the default class, and keeps an explicit ""', async () => {
    expect((await post(`${NS}/persistentvolumeclaims`, claim('data'))).spec.storageClassName).toBe('standard');
    expect((await post(`${NS}/persistentvolumeclaims`, claim('none', { storageClassName: '' }))).spec.storageClassName).toBe('');
    await post('/apis/storage.k8s.io/v1/storageclasses', {
      metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'example.com/fast',
    });
    // Two defaults: the newest wins (1.26+).
    expect((await post(`${NS}/persistentvolumeclaims`, claim('quick'))).spec.storageClassName).toBe('fast');
  });
});

describe('Secrets', () => {
  it('fold stringData into data and never return it', async () => {
    const created = await post(`${NS}/secrets`, { metadata: { name: 'db' }, data: { user: btoa('admin') }, stringData: { password: 'hunter2' } });
    expect(created.type).toBe('Opaque');
    expect(created.data).toEqual({ user: btoa('admin'), password: 'aHVudGVyMg==' });
    expect(created).not.toHaveProperty('stringData');
    expect(await get(`${NS}/secrets/db`)).not.toHaveProperty('stringData');
  });

  it('refuse bad base64 with the decoder error and store nothing', async () => {
    const r = await k(`${NS}/secrets`, { method: 'POST', json: { metadata: { name: 'bad' }, data: { password: 'hunter2' } } });
    expect(await status(r)).toEqual({
      code: 400,
      reason: 'BadRequest',
      message: 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4',
    });
    expect((await k(`${NS}/secrets/bad`)).status).toBe(404);
  });

  it('check each type', async () => {
    const create = (body: Record<string, unknown>) => k(`${NS}/secrets`, { method: 'POST', json: body });
    expect(await status(await create({ metadata: { name: 't' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } }))).toEqual({
      code: 422,
      reason: 'Invalid',
      message: 'Secret "t" is invalid: data[tls.key]: Required value',
    });
    expect((await status(await create({ metadata: { name: 'd' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":' } }))).message).toBe(
      'Secret "d" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input',
    );
    expect((await status(await create({ metadata: { name: 'sa' }, type: 'kubernetes.io/service-account-token' }))).message).toBe(
      'Secret "sa" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value',
    );
    expect((await status(await create({ metadata: { name: 'b' }, type: 'kubernetes.io/basic-auth' }))).message).toBe(
      'Secret "b" is invalid: [data[username]: Required value, data[password]: Required value]',
    );
    const ssh = await post(`${NS}/secrets`, { metadata: { name: 'ssh' }, type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': 'k' } });
    expect(ssh.type).toBe('kubernetes.io/ssh-auth');
    const list = await get(`${NS}/secrets?fieldSelector=type=kubernetes.io/ssh-auth`);
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['ssh']);
  });

  it('keep their type, and once immutable their data and immutability', async () => {
    await post(`${NS}/secrets`, { metadata: { name: 'frozen' }, immutable: true, stringData: { a: '1' } });
    const retype = await k(`${NS}/secrets/frozen`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { type: 'kubernetes.io/tls' } });
    // The full create validation runs again on the new object, so the tls keys are missing too.
    expect((await status(retype)).message).toBe(
      'Secret "frozen" is invalid: [type: Invalid value: "kubernetes.io/tls": field is immutable, data[tls.crt]: Required value, data[tls.key]: Required value]',
    );
    const change = await k(`${NS}/secrets/frozen`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { stringData: { a: '2' } } });
    expect((await status(change)).message).toBe('Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const thaw = await k(`${NS}/secrets/frozen`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { immutable: false } });
    expect((await status(thaw)).message).toBe('Secret "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set');
    expect((await patch(`${NS}/secrets/frozen`, { metadata: { labels: { tier: 'db' } } })).metadata.labels).toEqual({ tier: 'db' });
    expect((await k(`${NS}/secrets/frozen`, { method: 'DELETE' })).status).toBe(200);
  });

  it('never reach storage in clear: no table of the DO holds the value or its base64', async () => {
    const value = 'correct-horse-battery-staple-7f3a';
    await post(`${NS}/secrets`, { metadata: { name: 'vault' }, stringData: { password: value } });
    await k(`${NS}/secrets/vault`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { metadata: { labels: { x: 'y' } } } });
    await settle(s.id);
    const dump = await inCluster(s.id, (_instance, state) => {
      const sql = state.storage.sql;
      const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").toArray();
      return tables.map(({ name }) => ({ name, rows: JSON.stringify(sql.exec(`SELECT * FROM "${name}"`).toArray()) }));
    });
    const names = dump.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['objects', 'changes', 'meta', 'runtime']));
    const secretRows = dump.find((t) => t.name === 'objects')!.rows;
    expect(secretRows).toContain('/secrets'); // the secret is there, encrypted
    for (const { name, rows } of dump) {
      for (const needle of [value, btoa(value), 'password']) {
        expect(rows.includes(needle), `table ${name} holds ${needle}`).toBe(false);
      }
    }
    // The API still serves it decrypted.
    expect((await get(`${NS}/secrets/vault`)).data.password).toBe(btoa(value));
  });
});

describe('ConfigMaps', () => {
  it('refuse a key in both data and binaryData, and freeze once immutable', async () => {
    const clash = await k(`${NS}/configmaps`, { method: 'POST', json: { metadata: { name: 'c' }, data: { k: 'v' }, binaryData: { k: 'AA==' } } });
    expect((await status(clash)).message).toBe('ConfigMap "c" is invalid: data[k]: Invalid value: "k": duplicate of key present in binaryData');
    const cm = await post(`${NS}/configmaps`, { metadata: { name: 'cfg' }, immutable: true, data: { k: 'v' }, binaryData: { bin: 'AAEC' } });
    expect(cm.binaryData).toEqual({ bin: 'AAEC' });
    const change = await k(`${NS}/configmaps/cfg`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { binaryData: { bin: 'AA==' } } });
    expect((await status(change)).message).toBe('ConfigMap "cfg" is invalid: binaryData: Forbidden: field is immutable when `immutable` is set');
  });
});
