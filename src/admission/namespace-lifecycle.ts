// NamespaceLifecycle (apiserver pkg/admission/plugin/namespace/lifecycle), policy.md §8: new content needs a
// namespace that exists and is not terminating. Deleting the immortal namespaces is refused in writes.ts
// (deleteNamespace), where namespace deletion lives.
import { grOf, resKey, type ApiContext } from '../apiserver/context';
import { notFound } from '../apiserver/errors';
import { admissionForbidden, type Attributes } from './types';

const NAMESPACES = { group: '', plural: 'namespaces' };

export function namespaceLifecycle(ctx: ApiContext, a: Attributes) {
  if (a.operation !== 'CREATE' || !a.def.namespaced) return;
  const ns = ctx.store.get(resKey(NAMESPACES), '', a.namespace);
  if (!ns) throw notFound(grOf(NAMESPACES), a.namespace);
  if (ns.obj.status?.phase === 'Terminating') {
    const err = admissionForbidden(a, `unable to create new content in namespace ${a.namespace} because it is being terminated`);
    err.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' }];
    throw err;
  }
}
