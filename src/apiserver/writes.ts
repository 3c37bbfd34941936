// create, update, delete: the one write path for users, controllers, the scheduler and kubelets.
// Each function validates completely before it commits, so a failed request changes nothing.
import { allocateServiceAddresses } from './allocate';
import { mutatingAdmission, validatingAdmission } from '../admission/chain';
import type { Attributes } from '../admission/types';
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
import { invalid as invalidField, notSupported, type FieldError } from './field-errors';
import { deepEqual, isPlainObject, specChanged } from './json-util';
import { generatedName, validateObjectMetaCreate, validateObjectMetaUpdate } from './names';
import { conflictError, serverSideApply } from './apply';
import { updateManagedFields } from './managed-fields';
import { definitionOf } from './strict';
import { apiVersionOf, type KubeObject, type ResourceDef } from '../resources/types';
import { TooLarge, type Write } from '../durable/store';
import { checkCaps } from '../durable/limits';
import { recordChanges } from '../history/recorder';

/** The largest object the store keeps (etcd's default request limit is 1.5 MiB). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export interface WriteOptions {
  dryRun?: boolean;
  /** the field manager (fieldManager parameter or User-Agent); defaults from the writer's identity */
  manager?: string;
  /** managedFields were already computed by server-side apply */
  applied?: boolean;
}

/** The field manager name a system identity's writes are recorded under, as in a real cluster. */
export function managerOf(user: string): string {
  if (user.startsWith('system:node:')) return 'kubelet';
  if (user.startsWith('system:serviceaccount:kube-system:')) return 'kube-controller-manager';
  if (user.startsWith('system:')) return user === 'system:apiserver' ? 'kube-apiserver' : user.slice('system:'.length);
  return user;
}

/** Records in managedFields which fields this write set (an Update operation), unless apply already did. */
function manageFields(ctx: ApiContext, def: ResourceDef, old: KubeObject | undefined, obj: KubeObject, opts: WriteOptions, subresource: string) {
  if (opts.applied) return;
  const entries = updateManagedFields(old, obj, {
    manager: opts.manager || managerOf(ctx.user),
    apiVersion: apiVersionOf(def),
    time: rfc3339(ctx.now()),
    definition: definitionOf(def.group, def.version, def.kind),
    subresource: subresource || undefined,
  });
  if (entries.length) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

const SERVICES = { group: '', plural: 'services' };
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Commits writes and tells open watches. The only place the pipeline touches storage. */
export function commit(ctx: ApiContext, writes: Write[]) {
  let changes;
  try {
    changes = ctx.store.commit(writes);
  } catch (e) {
    if (e instanceof TooLarge) throw tooLarge();
    throw e;
  }
  ctx.hub.publish(changes);
  recordChanges(ctx, changes);
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
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (name !== undefined && obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  obj.apiVersion = expected;
  obj.kind = def.kind;
  if (def.namespaced) obj.metadata.namespace = namespace;
  else delete obj.metadata.namespace;
}

const tooLarge = () => entityTooLarge(`object exceeds the limit of ${MAX_OBJECT_BYTES} bytes`);

/** The size check of a dry run; a real write has the store check the JSON it stores (maxBytes), made once. */
function checkSize(obj: KubeObject) {
  if (JSON.stringify(obj).length > MAX_OBJECT_BYTES) throw tooLarge();
}

export function createObject(ctx: ApiContext, def: ResourceDef, namespace: string, body: Record<string, any>, opts: WriteOptions = {}): KubeObject {
  checkBodyMeta(def, body, namespace);
  const obj = body as KubeObject;
  const m = obj.metadata;
  def.defaults?.(obj);
  if (ctx.requester) def.authorizeWrite?.(ctx, namespace, obj);
  const admission: Attributes = { operation: 'CREATE', def, subresource: '', namespace, object: obj, user: ctx.user, dryRun: !!opts.dryRun };
  mutatingAdmission(ctx, admission);
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
  if (ctx.store.get(resKey(def), namespace, m.name!)) {
    // A generated name collided: try a few fresh suffixes as the API server does.
    for (let i = 0; generate && i < 7 && ctx.store.get(resKey(def), namespace, m.name!); i++) m.name = generatedName(m.generateName!);
    if (ctx.store.get(resKey(def), namespace, m.name!)) throw (generate ? generateNameConflict : alreadyExists)(grOf(def), m.name!);
  }
  if (ctx.store.objectCount >= ctx.maxObjects) {
    throw forbidden(grOf(def), m.name!, `exceeded the sandbox object limit: this cluster may hold at most ${ctx.maxObjects} objects`);
  }
  checkCaps(ctx, def, resKey(def), m.name!);
  if (resKey(def) === resKey(SERVICES)) allocateServiceAddresses(ctx, obj);
  validatingAdmission(ctx, admission);
  manageFields(ctx, def, undefined, obj, opts, '');
  if (opts.dryRun) checkSize(obj);
  else commit(ctx, [{ res: resKey(def), namespace, name: m.name!, object: obj, maxBytes: MAX_OBJECT_BYTES }]);
  return obj;
}

/**
 * Replaces an object (PUT, and the last step of PATCH). `subresource` 'status' takes only the status
 * from the body; the main resource keeps the stored status when the kind has a status subresource;
 * 'scale' writes the main resource but records the fields under the scale subresource.
 */
export function updateObject(
  ctx: ApiContext,
  def: ResourceDef,
  namespace: string,
  name: string,
  body: Record<string, any>,
  subresource: '' | 'status' | 'scale' | 'finalize',
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
    // Everything but metadata and status is shared with the stored object, never copied: nothing on this path
    // mutates it (admission skips subresources), and validation and managedFields skip identical subtrees.
    obj = { ...old, metadata: structuredClone(old.metadata), status: body.status };
  } else if (subresource === 'finalize') {
    // namespaces/finalize: only spec.finalizers changes (the namespace controller removes `kubernetes`).
    obj = structuredClone(old);
    obj.spec = { ...obj.spec, finalizers: [...(body.spec?.finalizers ?? [])] };
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
  if (ctx.requester) def.authorizeWrite?.(ctx, namespace, obj, old);
  const admission: Attributes = { operation: 'UPDATE', def, subresource, namespace, object: obj, oldObject: old, user: ctx.user, dryRun: !!opts.dryRun };
  mutatingAdmission(ctx, admission);

  const errors: FieldError[] = [
    ...validateObjectMetaUpdate(obj, old),
    ...((def.validateUpdate ? def.validateUpdate(obj, old) : def.validate?.(obj)) ?? []),
  ];
  if (errors.length) throw invalid(def.kind, def.group, name, errors);
  if (resKey(def) === resKey(SERVICES) && !subresource) allocateServiceAddresses(ctx, obj, old);
  if (deepEqual(obj, old)) return old; // nothing changed: no write, no new resourceVersion
  validatingAdmission(ctx, admission);
  manageFields(ctx, def, old, obj, opts, subresource);
  if (opts.dryRun) {
    checkSize(obj);
    return obj;
  }
  // Removing the last finalizer of an object being deleted completes the deletion (ShouldDeleteDuringUpdate:
  // not while a graceful pod deletion is still running).
  const finished = m.deletionTimestamp && !o.deletionGracePeriodSeconds && !(m.finalizers?.length) && !pendingNamespaceFinalizers(def, obj);
  const [change] = commit(ctx, [{ res: resKey(def), namespace, name, object: finished ? null : obj, maxBytes: MAX_OBJECT_BYTES }]);
  return change.object;
}

/**
 * Server-side apply (application/apply-patch+yaml): merges the applier's configuration into the live
 * object, or creates it. Conflicts with other managers' fields are a 409 unless `force`.
 */
export function applyObject(
  ctx: ApiContext,
  def: ResourceDef,
  namespace: string,
  name: string,
  config: Record<string, any>,
  subresource: '' | 'status' | 'scale',
  opts: WriteOptions & { manager: string; force: boolean },
): { object: KubeObject; created: boolean } {
  checkBodyMeta(def, config, namespace, name);
  const live = ctx.store.get(resKey(def), namespace, name)?.obj;
  const result = serverSideApply(live, config, {
    manager: opts.manager,
    force: opts.force,
    apiVersion: apiVersionOf(def),
    time: rfc3339(ctx.now()),
    definition: definitionOf(def.group, def.version, def.kind),
    subresource: subresource || undefined,
  });
  if ('conflicts' in result) throw conflictError(result.conflicts);
  const applied = { ...opts, applied: true };
  if (!live) {
    result.object.metadata.name = name;
    return { object: createObject(ctx, def, namespace, result.object, applied), created: true };
  }
  return { object: updateObject(ctx, def, namespace, name, result.object, subresource, applied), created: false };
}

const pendingNamespaceFinalizers = (def: ResourceDef, obj: KubeObject) => def.kind === 'Namespace' && obj.spec?.finalizers?.length > 0;

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  /** deprecated: true orphans; false means background (foreground for namespaces) */
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  dryRun?: string[];
}

const POLICIES = ['Foreground', 'Background', 'Orphan'];

/** ValidateDeleteOptions, checked before the object is even looked up. */
function validateDeleteOptions(options: DeleteOptions) {
  const errors: FieldError[] = [];
  const policy = options.propagationPolicy;
  if (options.orphanDependents != null && policy != null) {
    errors.push(invalidField('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
  }
  if (policy != null && !POLICIES.includes(policy)) errors.push(notSupported('propagationPolicy', policy, [...POLICIES, 'nil']));
  if (errors.length) throw invalid('DeleteOptions', 'meta.k8s.io', '', errors);
}

/** The propagation policy a DELETE asks for; the deprecated orphanDependents wins. */
function requestedPolicy(options: DeleteOptions, orphanFalse: 'Background' | 'Foreground'): string | undefined {
  if (options.orphanDependents != null) return options.orphanDependents ? 'Orphan' : orphanFalse;
  return options.propagationPolicy;
}

/**
 * The finalizers an object keeps after DELETE (deletionFinalizersForGarbageCollection): `orphan` and
 * `foregroundDeletion` follow the requested policy, else the finalizers already there; the default policy
 * of every kind served here is background (neither).
 */
function finalizersForDeletion(current: string[], policy: string | undefined): string[] {
  const orphan = policy ? policy === 'Orphan' : current.includes('orphan');
  const foreground = policy ? policy === 'Foreground' : !orphan && current.includes('foregroundDeletion');
  const out = current.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
  if (orphan) out.push('orphan');
  if (foreground) out.push('foregroundDeletion');
  return sameSet(out, current) ? current : out;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((f) => b.includes(f));

/**
 * Deletes an object. Pods on a node are deleted gracefully (their kubelet completes it); objects with
 * finalizers (including the `orphan` / `foregroundDeletion` that propagationPolicy adds for the garbage
 * collector) are only marked with a deletionTimestamp until the finalizers are removed.
 */
export function deleteObject(ctx: ApiContext, def: ResourceDef, namespace: string, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): KubeObject {
  validateDeleteOptions(options);
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
  if (def.kind === 'Namespace') return deleteNamespace(ctx, def, old, options, opts);
  const m = old.metadata;
  const now = ctx.now();
  const marked = structuredClone(old);
  const mm = marked.metadata;
  const pendingGrace = m.deletionTimestamp ? (m.deletionGracePeriodSeconds ?? 0) : 0;
  let grace = 0;
  if (def.kind === 'Pod' && pendingGrace > 0) {
    // A graceful deletion is running: only a shorter grace period changes anything (rest.BeforeDelete).
    const requested = options.gracePeriodSeconds;
    if (requested === undefined) return old;
    grace = requested < 0 ? 1 : requested;
    if (grace >= pendingGrace) return old;
    mm.deletionTimestamp = rfc3339(Date.parse(m.deletionTimestamp!) + (grace - pendingGrace) * 1000);
  } else if (def.kind === 'Pod' && !m.deletionTimestamp) {
    grace = podGracePeriod(old, options);
    mm.deletionTimestamp = rfc3339(now + grace * 1000);
    if (m.generation) mm.generation = m.generation + 1;
  }
  mm.finalizers = finalizersForDeletion(m.finalizers ?? [], requestedPolicy(options, 'Background'));
  if (!mm.finalizers.length) delete mm.finalizers;
  if (grace === 0 && !mm.finalizers) {
    if (opts.dryRun) return old;
    return commit(ctx, [{ res: resKey(def), namespace, name, object: null }])[0].object;
  }
  if (grace === 0) {
    // markAsDeleting: the first deletion bumps generation; an earlier deletionTimestamp is kept.
    if (!m.deletionTimestamp && m.generation && def.kind !== 'Pod') mm.generation = m.generation + 1;
    if (!mm.deletionTimestamp || Date.parse(mm.deletionTimestamp) > now) mm.deletionTimestamp = rfc3339(now);
  }
  mm.deletionGracePeriodSeconds = grace;
  if (deepEqual(marked, old)) return old;
  if (opts.dryRun) return marked;
  return commit(ctx, [{ res: resKey(def), namespace, name, object: marked }])[0].object;
}

/** A pod's grace period: none when no kubelet runs it (unscheduled or finished), else the requested or its own. */
function podGracePeriod(pod: KubeObject, options: DeleteOptions): number {
  const phase = pod.status?.phase;
  if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  return grace < 0 ? 1 : grace;
}

/**
 * Namespace deletion (pkg/registry/core/namespace/storage): the first DELETE sets deletionTimestamp and
 * phase Terminating in one write; the namespace controller then deletes the content and removes the
 * `kubernetes` finalizer (finalize), and the update that empties the finalizers removes the namespace.
 */
function deleteNamespace(ctx: ApiContext, def: ResourceDef, ns: KubeObject, options: DeleteOptions, opts: WriteOptions): KubeObject {
  const name = ns.metadata.name!;
  if (IMMORTAL_NAMESPACES.has(name)) throw forbidden(grOf(def), name, 'this namespace may not be deleted');
  if (ns.metadata.deletionTimestamp) return ns;
  const terminating = structuredClone(ns);
  const m = terminating.metadata;
  m.deletionTimestamp = rfc3339(ctx.now());
  terminating.status = { ...terminating.status, phase: 'Terminating' };
  // shouldHaveOrphanFinalizer / shouldHaveDeleteDependentsFinalizer: here orphanDependents=false means foreground.
  m.finalizers = finalizersForDeletion(m.finalizers ?? [], requestedPolicy(options, 'Foreground'));
  if (!m.finalizers.length) delete m.finalizers;
  if (opts.dryRun) return terminating;
  return commit(ctx, [{ res: resKey(def), namespace: '', name, object: terminating }])[0].object;
}
