// create, update, delete: the one write path for users, controllers, the scheduler and kubelets.
// Each function validates completely before it commits, so a failed request changes nothing.
import { allocateServiceAddresses } from './allocate';
import { grOf, resKey, rfc3339, type ApiContext } from './context';
import {
  OPTIMISTIC_LOCK,
  alreadyExists,
  badRequest,
  conflict,
  entityTooLarge,
  forbidden,
  generateNameConflict,
  invalid,
  notFound,
} from './errors';
import type { FieldError } from './field-errors';
import { deepEqual, isPlainObject, specChanged } from './json-util';
import { generatedName, validateObjectMetaCreate, validateObjectMetaUpdate } from './names';
import { apiVersionOf, type KubeObject, type ResourceDef } from '../resources/types';
import type { Write } from '../durable/store';

/** The largest object the store keeps (etcd's default request limit is 1.5 MiB). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export interface WriteOptions {
  dryRun?: boolean;
}

const NAMESPACES = { group: '', plural: 'namespaces' };
const SERVICES = { group: '', plural: 'services' };
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Commits writes and tells open watches. The only place the pipeline touches storage. */
export function commit(ctx: ApiContext, writes: Write[]) {
  const changes = ctx.store.commit(writes);
  ctx.hub.publish(changes);
  if (changes.length) ctx.changed?.();
  return changes;
}

function checkBodyMeta(def: ResourceDef, obj: Record<string, any>, namespace: string, name?: string) {
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) {
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ${Array.isArray(obj.metadata) ? 'array' : typeof obj.metadata} into Go struct field ${def.kind}.metadata of type v1.ObjectMeta`);
  }
  const expected = apiVersionOf(def);
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw badRequest(`the object provided is unrecognized (must be of type ${def.kind}): kind "${obj.kind}" does not match`);
  }
  const bodyNs = obj.metadata.namespace;
  if (bodyNs && bodyNs !== namespace) {
    throw badRequest(def.namespaced ? 'the namespace of the provided object does not match the namespace sent on the request' : `the namespace of the provided object does not match the namespace sent on the request`);
  }
  if (name !== undefined && obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  obj.apiVersion = expected;
  obj.kind = def.kind;
  if (def.namespaced) obj.metadata.namespace = namespace;
  else delete obj.metadata.namespace;
}

function checkSize(obj: KubeObject) {
  if (JSON.stringify(obj).length > MAX_OBJECT_BYTES) throw entityTooLarge(`object exceeds the limit of ${MAX_OBJECT_BYTES} bytes`);
}

function checkNamespace(ctx: ApiContext, def: ResourceDef, namespace: string, name: string) {
  if (!def.namespaced) return;
  const ns = ctx.store.get(resKey(NAMESPACES), '', namespace);
  if (!ns) throw notFound(grOf(NAMESPACES), namespace);
  if (ns.obj.status?.phase === 'Terminating') {
    const err = forbidden(grOf(def), name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    err.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
    throw err;
  }
}

export function createObject(ctx: ApiContext, def: ResourceDef, namespace: string, body: Record<string, any>, opts: WriteOptions = {}): KubeObject {
  checkBodyMeta(def, body, namespace);
  const obj = body as KubeObject;
  const m = obj.metadata;
  def.defaults?.(obj);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  m.uid = crypto.randomUUID();
  m.creationTimestamp = rfc3339(ctx.now());
  if (def.generation) m.generation = 1;
  else delete m.generation;
  def.prepareForCreate?.(obj, { now: m.creationTimestamp });

  const generate = !m.name && !!m.generateName;
  if (generate) m.name = generatedName(m.generateName!);
  const errors: FieldError[] = [...validateObjectMetaCreate(obj, def), ...(def.validate?.(obj) ?? [])];
  if (errors.length) throw invalid(def.kind, def.group, m.name || m.generateName || '', errors);
  checkNamespace(ctx, def, namespace, m.name!);
  if (ctx.store.get(resKey(def), namespace, m.name!)) {
    // A generated name collided: try a few fresh suffixes as the API server does.
    for (let i = 0; generate && i < 7 && ctx.store.get(resKey(def), namespace, m.name!); i++) m.name = generatedName(m.generateName!);
    if (ctx.store.get(resKey(def), namespace, m.name!)) throw (generate ? generateNameConflict : alreadyExists)(grOf(def), m.name!);
  }
  if (ctx.store.objectCount >= ctx.maxObjects) {
    throw forbidden(grOf(def), m.name!, `exceeded the sandbox object limit: this cluster may hold at most ${ctx.maxObjects} objects`);
  }
  if (resKey(def) === resKey(SERVICES)) allocateServiceAddresses(ctx, obj);
  checkSize(obj);
  if (!opts.dryRun) commit(ctx, [{ res: resKey(def), namespace, name: m.name!, object: obj }]);
  return obj;
}

/**
 * Replaces an object (PUT, and the last step of PATCH). `subresource` 'status' takes only the status
 * from the body; the main resource keeps the stored status when the kind has a status subresource.
 */
export function updateObject(
  ctx: ApiContext,
  def: ResourceDef,
  namespace: string,
  name: string,
  body: Record<string, any>,
  subresource: '' | 'status',
  opts: WriteOptions = {},
): KubeObject {
  checkBodyMeta(def, body, namespace, name);
  const current = ctx.store.get(resKey(def), namespace, name);
  if (!current) throw notFound(grOf(def), name);
  const old = current.obj;
  const rv = body.metadata.resourceVersion;
  if (rv && rv !== old.metadata.resourceVersion) throw conflict(grOf(def), name, OPTIMISTIC_LOCK);

  let obj: KubeObject;
  if (subresource === 'status') {
    obj = { ...structuredClone(old), status: body.status };
  } else {
    obj = body as KubeObject;
    def.defaults?.(obj);
    if (def.subresources?.status) obj.status = structuredClone(old.status);
    def.prepareForUpdate?.(obj, old);
  }
  const m = obj.metadata;
  const o = old.metadata;
  m.name = name;
  // Clients cannot change these: the stored values win (a different uid is caught by validation).
  for (const k of ['creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (o[k] === undefined) delete m[k];
    else (m as Record<string, unknown>)[k] = o[k];
  }
  if (!m.uid) m.uid = o.uid;
  if (def.generation) m.generation = (o.generation ?? 1) + (subresource !== 'status' && specChanged(obj, old) ? 1 : 0);
  else delete m.generation;
  m.resourceVersion = o.resourceVersion;

  const errors: FieldError[] = [
    ...validateObjectMetaUpdate(obj, old),
    ...((def.validateUpdate ? def.validateUpdate(obj, old) : def.validate?.(obj)) ?? []),
  ];
  if (errors.length) throw invalid(def.kind, def.group, name, errors);
  if (deepEqual(obj, old)) return old; // nothing changed: no write, no new resourceVersion
  checkSize(obj);
  if (opts.dryRun) return obj;
  // Removing the last finalizer of an object being deleted completes the deletion.
  const finished = m.deletionTimestamp && !(m.finalizers?.length) && !pendingNamespaceFinalizers(def, obj);
  const [change] = commit(ctx, [{ res: resKey(def), namespace, name, object: finished ? null : obj }]);
  return change.object;
}

const pendingNamespaceFinalizers = (def: ResourceDef, obj: KubeObject) => def.kind === 'Namespace' && obj.spec?.finalizers?.length > 0;

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  dryRun?: string[];
}

/** Deletes an object; with finalizers it is only marked (deletionTimestamp) until they are removed. */
export function deleteObject(ctx: ApiContext, def: ResourceDef, namespace: string, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): KubeObject {
  const current = ctx.store.get(resKey(def), namespace, name);
  if (!current) throw notFound(grOf(def), name);
  const old = current.obj;
  const pre = options.preconditions ?? {};
  if (pre.uid && pre.uid !== old.metadata.uid) {
    throw conflict(grOf(def), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(grOf(def), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
  }
  if (def.kind === 'Namespace') return deleteNamespace(ctx, def, old, opts);
  const grace = def.kind === 'Pod' ? podGracePeriod(old, options) : 0;
  if (grace > 0 || old.metadata.finalizers?.length) {
    // Graceful: mark the object; its kubelet (or whoever holds a finalizer) completes the deletion.
    const m = old.metadata;
    if (m.deletionTimestamp && (m.deletionGracePeriodSeconds ?? 0) <= grace) return old;
    const marked = structuredClone(old);
    marked.metadata.deletionTimestamp = rfc3339(ctx.now() + grace * 1000);
    marked.metadata.deletionGracePeriodSeconds = grace;
    if (opts.dryRun) return marked;
    return commit(ctx, [{ res: resKey(def), namespace, name, object: marked }])[0].object;
  }
  if (opts.dryRun) return old;
  return commit(ctx, [{ res: resKey(def), namespace, name, object: null }])[0].object;
}

/** A pod's grace period: none when no kubelet runs it (unscheduled or finished), else the requested or its own. */
function podGracePeriod(pod: KubeObject, options: DeleteOptions): number {
  const phase = pod.status?.phase;
  if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  return grace < 0 ? 1 : grace;
}

/**
 * Namespace deletion. Until the namespace controller runs on alarms (control-plane issue), the namespace
 * and everything in it are removed in one transaction, so `kubectl delete ns` completes.
 */
function deleteNamespace(ctx: ApiContext, def: ResourceDef, ns: KubeObject, opts: WriteOptions): KubeObject {
  const name = ns.metadata.name!;
  if (IMMORTAL_NAMESPACES.has(name)) throw forbidden(grOf(def), name, 'this namespace may not be deleted');
  const terminating = structuredClone(ns);
  terminating.metadata.deletionTimestamp = rfc3339(ctx.now());
  terminating.status = { ...terminating.status, phase: 'Terminating' };
  if (opts.dryRun) return terminating;
  const writes: Write[] = [];
  for (const res of ctx.store.resources()) {
    for (const e of ctx.store.list(res, name)) writes.push({ res, namespace: name, name: e.obj.metadata.name!, object: null });
  }
  writes.push({ res: resKey(def), namespace: '', name, object: null });
  commit(ctx, writes);
  return terminating;
}
