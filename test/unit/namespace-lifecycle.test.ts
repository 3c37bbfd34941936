// NamespaceLifecycle: new content needs a namespace that exists and is not terminating; updates and
// cluster-scoped objects pass.
import { describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/apiserver/context';
import { ApiError } from '../../src/apiserver/errors';
import { namespaceLifecycle } from '../../src/admission/namespace-lifecycle';
import { findResource } from '../../src/resources/registry';
import type { KubeObject } from '../../src/resources/types';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const namespaces: Record<string, KubeObject> = {
  live: { metadata: { name: 'live' }, status: { phase: 'Active' } },
  going: { metadata: { name: 'going' }, status: { phase: 'Terminating' } },
};
const ctx = { store: { get: (_res: string, _ns: string, name: string) => (namespaces[name] ? { obj: namespaces[name] } : undefined) } } as unknown as ApiContext;

function admit(namespace: string, object: KubeObject, operation: 'CREATE' | 'UPDATE' = 'CREATE', def = PODS): ApiError | undefined {
  try {
    namespaceLifecycle(ctx, { operation, def, subresource: '', namespace, object, user: 'u', dryRun: false });
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  return undefined;
}

describe('NamespaceLifecycle admission', () => {
  it('lets creates into an active namespace, updates anywhere and cluster-scoped objects through', () => {
    expect(admit('live', { metadata: { name: 'p' } })).toBeUndefined();
    expect(admit('going', { metadata: { name: 'p' } }, 'UPDATE')).toBeUndefined();
    expect(admit('', { metadata: { name: 'n' } }, 'CREATE', NODES)).toBeUndefined();
  });

  it('refuses a create into a missing namespace with NotFound', () => {
    expect(admit('nope', { metadata: { name: 'p' } })?.toStatus()).toMatchObject({ code: 404, reason: 'NotFound', message: 'namespaces "nope" not found' });
  });

  it('refuses a create into a terminating namespace, naming the object by its generateName if it has no name yet', () => {
    expect(admit('going', { metadata: { generateName: 'web-' } })?.toStatus()).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "web-" is forbidden: unable to create new content in namespace going because it is being terminated',
      details: { causes: [{ reason: 'NamespaceTerminating', message: 'namespace going is being terminated', field: 'metadata.namespace' }] },
    });
  });
});
