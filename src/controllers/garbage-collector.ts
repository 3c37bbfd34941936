// The garbage collector (pkg/controller/garbagecollector, control-plane.md §4.3): deletes dependents whose
// owners are gone (background), holds owners deleted in the foreground until their blocking dependents are
// gone, and strips the ownerReference from the dependents of owners deleted with the `orphan` finalizer.
// Stateless: each run rebuilds the owner graph from the store (the upstream graph is a cache of the same).
import { resKey, type ApiContext } from '../apiserver/context';
import { deleteObject, updateObject } from '../apiserver/writes';
import { RESOURCES } from '../resources/registry';
import type { KubeObject, ResourceDef } from '../resources/types';
import { quietly } from './controller-utils';
import { recordEvent } from './events';
import type { Controller } from './types';

const COMPONENT = 'garbage-collector-controller';

interface Node {
  def: ResourceDef;
  obj: KubeObject;
}

interface Graph {
  byUid: Map<string, Node>;
  /** owner uid → its dependents and the reference each holds */
  dependents: Map<string, { node: Node; ref: any }[]>;
}

/** One definition per storage key, and per group/kind (owner references name a kind, any version). */
const BY_KEY = new Map<string, ResourceDef>();
const BY_KIND = new Map<string, ResourceDef>();
for (const d of RESOURCES) {
  if (!BY_KEY.has(resKey(d))) BY_KEY.set(resKey(d), d);
  if (!BY_KIND.has(`${d.group}/${d.kind}`)) BY_KIND.set(`${d.group}/${d.kind}`, d);
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const isDeleting = (o: KubeObject) => !!o.metadata.deletionTimestamp;
const hasFinalizer = (o: KubeObject, f: string) => !!o.metadata.finalizers?.includes(f);
const deletingDependents = (o: KubeObject) => isDeleting(o) && hasFinalizer(o, 'foregroundDeletion');

function buildGraph(ctx: ApiContext): Graph {
  const g: Graph = { byUid: new Map(), dependents: new Map() };
  for (const key of ctx.store.resources()) {
    const def = BY_KEY.get(key);
    if (!def) continue;
    for (const { obj } of ctx.store.entries(key)) {
      const node = { def, obj };
      g.byUid.set(obj.metadata.uid!, node);
      for (const ref of obj.metadata.ownerReferences ?? []) {
        const list = g.dependents.get(ref.uid) ?? [];
        list.push({ node, ref });
        g.dependents.set(ref.uid, list);
      }
    }
  }
  return g;
}

type Owner = 'solid' | 'dangling' | 'waiting' | 'unknown';

/**
 * How an owner reference resolves: the owner is looked up by kind, the dependent's namespace (or none for
 * cluster-scoped kinds), name and uid, as the GC's live GET does.
 */
function classify(ctx: ApiContext, g: Graph, dependent: Node, ref: any): Owner {
  const def = BY_KIND.get(`${groupOf(ref.apiVersion ?? '')}/${ref.kind}`);
  if (!def) return 'unknown'; // no REST mapping: upstream retries forever and never deletes
  const owner = g.byUid.get(ref.uid);
  const ns = dependent.obj.metadata.namespace ?? '';
  if (def.namespaced && !dependent.def.namespaced) {
    invalidNamespace(ctx, dependent.obj, ref, ns);
    return 'dangling';
  }
  if (!owner || resKey(owner.def) !== resKey(def) || owner.obj.metadata.name !== ref.name) return 'dangling';
  if (def.namespaced && (owner.obj.metadata.namespace ?? '') !== ns) {
    invalidNamespace(ctx, dependent.obj, ref, ns);
    return 'dangling';
  }
  return deletingDependents(owner.obj) ? 'waiting' : 'solid';
}

function invalidNamespace(ctx: ApiContext, obj: KubeObject, ref: any, ns: string) {
  recordEvent(ctx, obj, {
    type: 'Warning',
    reason: 'OwnerRefInvalidNamespace',
    message: `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: ${ns}, name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace "${ns}"`,
    component: COMPONENT,
  });
}

/** Writes `obj` with the owner references whose uid is in `uids` removed. */
function removeOwnerRefs(ctx: ApiContext, node: Node, uids: Set<string>) {
  const body = structuredClone(node.obj);
  body.metadata.ownerReferences = body.metadata.ownerReferences!.filter((r: any) => !uids.has(r.uid));
  if (!body.metadata.ownerReferences!.length) delete body.metadata.ownerReferences;
  quietly(() => updateObject(ctx, node.def, node.obj.metadata.namespace ?? '', node.obj.metadata.name!, body, ''));
}

function removeFinalizer(ctx: ApiContext, node: Node, finalizer: string) {
  const body = structuredClone(node.obj);
  body.metadata.finalizers = body.metadata.finalizers!.filter((f) => f !== finalizer);
  quietly(() => updateObject(ctx, node.def, node.obj.metadata.namespace ?? '', node.obj.metadata.name!, body, ''));
}

function remove(ctx: ApiContext, node: Node, propagationPolicy: string) {
  const m = node.obj.metadata;
  quietly(() => deleteObject(ctx, node.def, m.namespace ?? '', m.name!, { propagationPolicy, preconditions: { uid: m.uid } }));
}

/** attemptToOrphan / processDeletingDependentsItem for an owner being deleted. */
function processOwner(ctx: ApiContext, g: Graph, node: Node) {
  const uid = node.obj.metadata.uid!;
  const deps = g.dependents.get(uid) ?? [];
  if (hasFinalizer(node.obj, 'orphan')) {
    for (const d of deps) removeOwnerRefs(ctx, d.node, new Set([uid]));
    removeFinalizer(ctx, node, 'orphan');
  } else if (hasFinalizer(node.obj, 'foregroundDeletion') && !deps.some((d) => d.ref.blockOwnerDeletion === true)) {
    removeFinalizer(ctx, node, 'foregroundDeletion');
  }
}

/** attemptToDeleteItem for an object that has owners. */
function processDependent(ctx: ApiContext, g: Graph, node: Node) {
  const refs: any[] = node.obj.metadata.ownerReferences ?? [];
  const kinds = refs.map((ref) => classify(ctx, g, node, ref));
  if (kinds.includes('unknown')) return;
  const stale = new Set(refs.filter((_, i) => kinds[i] !== 'solid').map((r) => r.uid));
  if (kinds.includes('solid')) {
    if (stale.size) removeOwnerRefs(ctx, node, stale);
    return;
  }
  const hasDependents = (g.dependents.get(node.obj.metadata.uid!) ?? []).length > 0;
  if (kinds.includes('waiting') && hasDependents) return remove(ctx, node, 'Foreground');
  const policy = hasFinalizer(node.obj, 'orphan') ? 'Orphan' : hasFinalizer(node.obj, 'foregroundDeletion') ? 'Foreground' : 'Background';
  remove(ctx, node, policy);
}

export const garbageCollector: Controller = {
  name: 'garbage-collector',
  identity: 'system:serviceaccount:kube-system:generic-garbage-collector',
  reconcile(ctx) {
    const g = buildGraph(ctx);
    for (const node of g.byUid.values()) {
      const deleting = isDeleting(node.obj);
      if (!deleting && !node.obj.metadata.ownerReferences?.length) continue;
      // The graph is a snapshot: skip objects this run already changed or removed.
      const current = ctx.store.get(resKey(node.def), node.obj.metadata.namespace ?? '', node.obj.metadata.name!);
      if (current?.obj !== node.obj) continue;
      if (deleting) processOwner(ctx, g, node);
      else processDependent(ctx, g, node);
    }
    return undefined;
  },
};
