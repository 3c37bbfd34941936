// The ServiceAccount admission plugin on pods (policy.md §1.1), over a tiny in-memory store.
import { describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/apiserver/context';
import { ApiError } from '../../src/apiserver/errors';
import { TOKEN_MOUNT_PATH, mountServiceAccountToken, serviceAccountAdmit, tokenVolume } from '../../src/admission/service-account';
import type { Attributes } from '../../src/admission/types';
import { pods } from '../../src/resources/pods';
import type { KubeObject } from '../../src/resources/types';

function ctxWith(...accounts: KubeObject[]): ApiContext {
  const get = (res: string, ns: string, name: string) => {
    const obj = accounts.find((a) => res === '/serviceaccounts' && a.metadata.namespace === ns && a.metadata.name === name);
    return obj && { obj, json: JSON.stringify(obj) };
  };
  return { store: { get, list: () => [] } } as unknown as ApiContext;
}

const sa = (name: string, fields: Record<string, any> = {}): KubeObject => ({ ...fields, metadata: { name, namespace: 'default', ...fields.metadata } });
const pod = (spec: Record<string, any> = {}, metadata: Record<string, any> = {}): KubeObject => ({
  metadata: { name: 'web', namespace: 'default', ...metadata },
  spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...spec },
});
const attrs = (object: KubeObject, operation: 'CREATE' | 'UPDATE' = 'CREATE', subresource = ''): Attributes => ({
  operation, def: pods, subresource, namespace: 'default', object, user: 'u', dryRun: false,
});

/** Runs the plugin and returns the pod, or the refusal's status. */
function admit(p: KubeObject, ctx = ctxWith(sa('default'))): KubeObject | { code: number; message: string } {
  try {
    serviceAccountAdmit(ctx, attrs(p));
    return p;
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
}

const MOUNT = (name: string) => ({ name, readOnly: true, mountPath: TOKEN_MOUNT_PATH });

describe('ServiceAccount admission', () => {
  it('defaults the account, mounts the projected token volume everywhere and keeps serviceAccount in sync', () => {
    const p = admit(pod({ initContainers: [{ name: 'init', image: 'busybox' }] })) as KubeObject;
    expect(p.spec.serviceAccountName).toBe('default');
    expect(p.spec.serviceAccount).toBe('default');
    const [volume] = p.spec.volumes;
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume).toEqual({
      name: volume.name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
    expect(p.spec.containers[0].volumeMounts).toEqual([MOUNT(volume.name)]);
    expect(p.spec.initContainers[0].volumeMounts).toEqual([MOUNT(volume.name)]);
    expect(p.spec.imagePullSecrets).toBeUndefined();
  });

  it('passes pod validation with the volume it adds', () => {
    const p = pod();
    pods.defaults!(p);
    admit(p);
    expect(pods.validate!(p)).toEqual([]);
  });

  it('refuses an account that does not exist, with the exact upstream message', () => {
    expect(admit(pod({ serviceAccountName: 'foo' }))).toEqual({
      code: 403,
      message: 'pods "web" is forbidden: error looking up service account default/foo: serviceaccount "foo" not found',
    });
    expect(admit(pod({ serviceAccount: 'bar' }, { name: undefined, generateName: 'web-' }))).toEqual({
      code: 403,
      message: 'pods "web-" is forbidden: error looking up service account default/bar: serviceaccount "bar" not found',
    });
  });

  it('admits a pod while `default` is still being created by the controller', () => {
    const p = admit(pod(), ctxWith()) as KubeObject;
    expect(p.spec.serviceAccountName).toBe('default');
    expect(p.spec.volumes).toHaveLength(1);
  });

  it('honours automountServiceAccountToken: the pod first, then the account', () => {
    const off = admit(pod({ automountServiceAccountToken: false })) as KubeObject;
    expect(off.spec.volumes).toBeUndefined();
    expect(off.spec.containers[0].volumeMounts).toBeUndefined();
    const ctx = ctxWith(sa('default'), sa('quiet', { automountServiceAccountToken: false }));
    expect((admit(pod({ serviceAccountName: 'quiet' }), ctx) as KubeObject).spec.volumes).toBeUndefined();
    const podWins = admit(pod({ serviceAccountName: 'quiet', automountServiceAccountToken: true }), ctx) as KubeObject;
    expect(podWins.spec.volumes).toHaveLength(1);
  });

  it('leaves containers that mount the path already, and reuses an existing kube-api-access volume', () => {
    const spec = {
      volumes: [{ name: 'kube-api-access-mine', emptyDir: {} }, { name: 'own', emptyDir: {} }],
      containers: [
        { name: 'a', image: 'x', volumeMounts: [{ name: 'own', mountPath: TOKEN_MOUNT_PATH }] },
        { name: 'b', image: 'x' },
      ],
    };
    mountServiceAccountToken(spec);
    expect(spec.volumes.map((v) => v.name)).toEqual(['kube-api-access-mine', 'own']);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'own', mountPath: TOKEN_MOUNT_PATH }]);
    expect((spec.containers[1] as any).volumeMounts).toEqual([MOUNT('kube-api-access-mine')]);
  });

  it('adds no volume when every container mounts the path itself', () => {
    const spec: any = { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'v', mountPath: TOKEN_MOUNT_PATH }] }] };
    mountServiceAccountToken(spec);
    expect(spec.volumes).toBeUndefined();
  });

  it('names the volume with a 5-character generated suffix', () => {
    const spec: any = { containers: [{ name: 'a', image: 'x' }] };
    mountServiceAccountToken(spec, () => 0);
    expect(spec.volumes).toEqual([tokenVolume('kube-api-access-bbbbb')]);
  });

  it("copies the account's imagePullSecrets unless the pod has its own", () => {
    const ctx = ctxWith(sa('default', { imagePullSecrets: [{ name: 'regcred' }] }));
    expect((admit(pod(), ctx) as KubeObject).spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect((admit(pod({ imagePullSecrets: [{ name: 'mine' }] }), ctx) as KubeObject).spec.imagePullSecrets).toEqual([{ name: 'mine' }]);
  });

  it('enforces mountable secrets when the account asks for it', () => {
    const ctx = ctxWith(sa('default', { metadata: { annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }, secrets: [{ name: 'ok' }] }));
    expect(admit(pod({ volumes: [{ name: 's', secret: { secretName: 'ok' } }] }), ctx)).toHaveProperty('spec');
    expect(admit(pod({ volumes: [{ name: 's', secret: { secretName: 'other' } }] }), ctx)).toEqual({
      code: 403,
      message: 'pods "web" is forbidden: volume with secret.secretName="other" is not allowed because service account default does not reference that secret',
    });
    const env = [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'other', key: 'pw' } } }];
    expect(admit(pod({ containers: [{ name: 'c', image: 'x', env }] }), ctx)).toEqual({
      code: 403,
      message: 'pods "web" is forbidden: container c with envVar PW referencing secret.secretName="other" is not allowed because service account default does not reference that secret',
    });
    expect(admit(pod({ imagePullSecrets: [{ name: 'reg' }] }), ctx)).toEqual({
      code: 403,
      message: 'pods "web" is forbidden: imagePullSecrets[0].name="reg" is not allowed because service account default does not reference that imagePullSecret',
    });
  });

  it('never mutates mirror pods, and refuses their references to accounts, secrets and tokens', () => {
    const mirror = { 'kubernetes.io/config.mirror': 'abc' };
    const p = admit(pod({ nodeName: 'node-1' }, { annotations: mirror })) as KubeObject;
    expect(p.spec.serviceAccountName).toBeUndefined();
    expect(p.spec.volumes).toBeUndefined();
    expect(admit(pod({ serviceAccountName: 'default' }, { annotations: mirror }))).toMatchObject({
      message: 'pods "web" is forbidden: a mirror pod may not reference service accounts',
    });
    expect(admit(pod({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }, { annotations: mirror }))).toMatchObject({
      message: 'pods "web" is forbidden: a mirror pod may not reference secrets',
    });
    expect(admit(pod({ volumes: [tokenVolume('t')] }, { annotations: mirror }))).toMatchObject({
      message: 'pods "web" is forbidden: a mirror pod may not use ServiceAccountToken volume projections',
    });
  });

  it('binds pods with nodeName like any other pod', () => {
    const p = admit(pod({ nodeName: 'node-1' })) as KubeObject;
    expect(p.spec.volumes).toHaveLength(1);
  });

  it('on update only keeps the deprecated field in sync, and ignores subresources', () => {
    const p = pod({ serviceAccountName: 'default' });
    serviceAccountAdmit(ctxWith(), attrs(p, 'UPDATE'));
    expect(p.spec).toEqual({ containers: [{ name: 'nginx', image: 'nginx' }], serviceAccountName: 'default', serviceAccount: 'default' });
    const status = pod();
    serviceAccountAdmit(ctxWith(), attrs(status, 'UPDATE', 'status'));
    expect(status.spec.serviceAccountName).toBeUndefined();
  });
});
