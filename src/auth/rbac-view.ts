// The authorizer's view of a cluster's store: bindings indexed by subject, so a request looks at the few
// bindings that can name its user instead of scanning them all. The index is kept per store and rebuilt
// only when a binding changed (checked by the store's revision, then by the identity of the stored
// entries, which every commit replaces); roles are read from the store directly.
import type { UserInfo } from '../apiserver/context';
import type { Entry, Store } from '../durable/store';
import type { KubeObject } from '../resources/types';
import { RBAC_GROUP, type RbacView, type Subject } from './rbac';

const CLUSTER_ROLES = `${RBAC_GROUP}/clusterroles`;
const ROLES = `${RBAC_GROUP}/roles`;
const CLUSTER_BINDINGS = `${RBAC_GROUP}/clusterrolebindings`;
const BINDINGS = `${RBAC_GROUP}/rolebindings`;

type ByKey = Map<string, KubeObject[]>;

interface Index {
  rv: number;
  clusterEntries: Entry[];
  entries: Entry[];
  cluster: ByKey;
  /** namespace → subject key → role bindings */
  namespaced: Map<string, ByKey>;
}

const indexes = new WeakMap<Store, Index>();

/** The index key of a binding subject; service accounts without a namespace belong to the binding's. */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  if (s.kind === 'User' || s.kind === 'Group') return `${s.kind}:${s.name}`;
  if (s.kind === 'ServiceAccount') return `User:system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
  return undefined;
}

/** A service account subject is indexed under the account's username, so its `User:` key finds it. */
const userKeys = (user: UserInfo) => [`User:${user.username}`, ...user.groups.map((g) => `Group:${g}`)];

function add(map: ByKey, binding: KubeObject) {
  const ns = binding.metadata.namespace ?? '';
  const keys = new Set<string>();
  for (const s of (binding.subjects ?? []) as Subject[]) {
    const k = s && subjectKey(s, ns);
    if (k) keys.add(k);
  }
  for (const k of keys) {
    let list = map.get(k);
    if (!list) map.set(k, (list = []));
    list.push(binding);
  }
}

const sameEntries = (a: Entry[], b: Entry[]) => a.length === b.length && a.every((e, i) => e === b[i]);

function indexOf(store: Store): Index {
  let idx = indexes.get(store);
  if (idx && idx.rv === store.rv) return idx;
  const clusterEntries = store.list(CLUSTER_BINDINGS, '');
  const entries = store.list(BINDINGS, '');
  if (idx && sameEntries(idx.clusterEntries, clusterEntries) && sameEntries(idx.entries, entries)) {
    idx.rv = store.rv;
    return idx;
  }
  // store.list is in name order per namespace, so every index list stays in name order
  idx = { rv: store.rv, clusterEntries, entries, cluster: new Map(), namespaced: new Map() };
  for (const e of clusterEntries) add(idx.cluster, e.obj);
  for (const e of entries) {
    const ns = e.obj.metadata.namespace ?? '';
    let m = idx.namespaced.get(ns);
    if (!m) idx.namespaced.set(ns, (m = new Map()));
    add(m, e.obj);
  }
  indexes.set(store, idx);
  return idx;
}

function lookup(map: ByKey | undefined, user: UserInfo): KubeObject[] {
  if (!map) return [];
  const found = new Set<KubeObject>();
  for (const k of userKeys(user)) for (const b of map.get(k) ?? []) found.add(b);
  const out = [...found];
  return out.length > 1 ? out.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)) : out;
}

export function rbacView(store: Store): RbacView {
  return {
    clusterBindingsFor: (user) => lookup(indexOf(store).cluster, user),
    roleBindingsFor: (user, namespace) => lookup(indexOf(store).namespaced.get(namespace), user),
    clusterRole: (name) => store.get(CLUSTER_ROLES, '', name)?.obj,
    role: (namespace, name) => store.get(ROLES, namespace, name)?.obj,
  };
}
