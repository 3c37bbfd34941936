// DefaultStorageClass: which class a claim without one gets, and which claims keep what they have.
import { describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/apiserver/context';
import { claimHasClass, defaultStorageClass } from '../../src/admission/default-storage-class';
import { defaultStorageClassOf } from '../../src/resources/storageclasses';
import { persistentvolumeclaims } from '../../src/resources/persistentvolumeclaims';
import type { KubeObject } from '../../src/resources/types';

const sc = (name: string, created: string, annotations: Record<string, string> = {}): KubeObject => ({
  metadata: { name, creationTimestamp: created, annotations },
  provisioner: 'x',
});
const DEFAULT = { 'storageclass.kubernetes.io/is-default-class': 'true' };
const BETA_DEFAULT = { 'storageclass.beta.kubernetes.io/is-default-class': 'true' };

const pvc = (spec: Record<string, any> = {}, annotations?: Record<string, string>): KubeObject => ({
  metadata: { name: 'data', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

function admit(claim: KubeObject, classes: KubeObject[], operation: 'CREATE' | 'UPDATE' = 'CREATE') {
  const ctx = { store: { list: () => classes.map((obj) => ({ obj })) } } as unknown as ApiContext;
  defaultStorageClass(ctx, { operation, def: persistentvolumeclaims, subresource: '', namespace: 'default', object: claim, user: 'u', dryRun: false });
  return claim.spec.storageClassName;
}

describe('DefaultStorageClass', () => {
  it('picks the newest default class, then the first by name', () => {
    const classes = [
      sc('old', '2026-01-01T00:00:00Z', DEFAULT),
      sc('plain', '2026-03-01T00:00:00Z'),
      sc('zeta', '2026-02-01T00:00:00Z', BETA_DEFAULT),
      sc('alpha', '2026-02-01T00:00:00Z', DEFAULT),
    ];
    expect(defaultStorageClassOf(classes)?.metadata.name).toBe('alpha');
    expect(defaultStorageClassOf([sc('a', '2026-01-01T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'True' })])).toBeUndefined();
  });

  it('sets the default on a claim created without a class', () => {
    expect(admit(pvc(), [sc('standard', '2026-01-01T00:00:00Z', DEFAULT)])).toBe('standard');
    expect(admit(pvc(), [sc('standard', '2026-01-01T00:00:00Z')])).toBeUndefined();
  });

  it('keeps a chosen class, an explicit "" and the beta annotation, and leaves updates alone', () => {
    const classes = [sc('standard', '2026-01-01T00:00:00Z', DEFAULT)];
    expect(admit(pvc({ storageClassName: 'fast' }), classes)).toBe('fast');
    expect(admit(pvc({ storageClassName: '' }), classes)).toBe('');
    expect(admit(pvc({}, { 'volume.beta.kubernetes.io/storage-class': 'slow' }), classes)).toBeUndefined();
    expect(admit(pvc(), classes, 'UPDATE')).toBeUndefined();
    expect(claimHasClass(pvc({ storageClassName: null }))).toBe(false);
  });
});
