// Server-side apply (application/apply-patch+yaml) as the 1.35 API server does it: structured-merge-diff's
// Updater.Apply (merge, prune, conflicts; sigs.k8s.io/structured-merge-diff merge/update.go, typed/merge.go,
// typed/remove.go) inside apimachinery's field manager (pkg/util/managedfields/internal: structuredmerge,
// stripmeta, lastappliedmanager, lastappliedupdater, conflict.go) and the no-op timestamp transformer.
import type { KubeObject } from '../resources/types';
import { ApiError, badRequest } from './errors';
import { deepEqual, isPlainObject } from './json-util';
import {
  FieldSet,
  TypedError,
  childType,
  compareObjects,
  decodeManagedFields,
  encodeManagedFields,
  ensureNamedFieldsAreMembers,
  goJSON,
  itemPE,
  managerId,
  renderPath,
  resetFieldsOf,
  stripMeta,
  structType,
  toFieldSet,
  without,
  withoutFields,
  type Manager,
  type Managers,
  type TypeRef,
} from './managed-fields';
import { goQuote } from './strict';

export interface ApplyOptions {
  manager: string;
  force: boolean;
  /** The group/version of the request, e.g. `apps/v1`. */
  apiVersion: string;
  /** RFC3339 (seconds) time of the write. */
  time: string;
  /** OpenAPI definition of the kind, e.g. io.k8s.api.apps.v1.Deployment. */
  definition: string;
  subresource?: string;
  /** Fields the strategy resets for this endpoint; defaults to resetFieldsOf(definition, subresource). */
  resetFields?: string[][];
}

/** One conflicting field and its current manager (as identified in managedFields; never a time). */
export interface ApplyConflict {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  field: string;
}

export type ApplyResult = { object: KubeObject } | { conflicts: ApplyConflict[] };

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Applies `config` for o.manager to `live` (undefined: the object is created). The result is live merged
 * with config (config wins; list-maps merge by key, sets union, atomic values are replaced), minus the
 * fields the manager applied last time, left out now, and nobody else owns. Changing a value another
 * manager owns is a conflict unless o.force, which takes the field over. The manager's Apply entry
 * becomes exactly config's fields. The object still needs defaulting, PrepareForUpdate/Create and
 * validation; metadata.resourceVersion in config is left for the caller's precondition check.
 * Throws 400 for a config with managedFields or another version, 500 when it cannot be typed.
 */
export function serverSideApply(live: KubeObject | undefined, config: Record<string, unknown>, o: ApplyOptions): ApplyResult {
  if (isPlainObject(config.metadata) && Array.isArray(config.metadata.managedFields)) throw badRequest('metadata.managedFields must be nil');
  if (typeof config.apiVersion === 'string' && config.apiVersion !== o.apiVersion) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion}, expected: ${o.apiVersion}`);
  }
  const t = structType(o.definition);
  const reset = o.resetFields ?? resetFieldsOf(o.definition, o.subresource);
  const gvk = `${o.apiVersion.includes('/') ? '' : '/'}${o.apiVersion}, Kind=${typeof config.kind === 'string' ? config.kind : ''}`;

  let set: FieldSet;
  try {
    set = withoutFields(toFieldSet(config, t, true), reset);
  } catch (e) {
    if (e instanceof TypedError) throw new ApiError(500, '', `failed to create typed patch object (${gvk}): ${e.message}`);
    throw e;
  }
  const managers: Managers = decodeManagedFields(live?.metadata?.managedFields) ?? new Map();
  const liveBody = (live ? without(live, ['metadata', 'managedFields']) : {}) as Record<string, unknown>;
  const me: Manager = { manager: o.manager, operation: 'Apply', apiVersion: o.apiVersion, subresource: o.subresource, time: o.time, set };
  const id = managerId(me);
  const last = managers.get(id);
  managers.set(id, me);

  let merged: Record<string, unknown>;
  let changed: FieldSet;
  let removed: FieldSet;
  try {
    merged = (merge(liveBody, config, t) ?? {}) as Record<string, unknown>;
    if (last && !last.set.empty()) merged = prune(merged, withoutFields(last.set, reset), managers, t);
    const c = compareObjects(liveBody, merged, o.definition, reset);
    changed = c.modified.union(c.added);
    removed = c.removed;
  } catch (e) {
    if (e instanceof TypedError) throw new ApiError(500, '', `failed to create typed live object (${gvk}): ${e.message}`);
    throw e;
  }

  // Conflicts: fields this apply changes that another manager owns (update() in merge/update.go).
  const found: { c: ApplyConflict; path: string[] }[] = [];
  for (const key of [...managers.keys()].sort()) {
    const m = managers.get(key)!;
    if (key === id) continue;
    for (const path of m.set.intersection(changed).paths()) {
      const c: ApplyConflict = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, field: renderPath(path) };
      if (m.subresource) c.subresource = m.subresource;
      found.push({ c, path });
    }
  }
  if (found.length && !o.force) {
    // kubectl's --server-side upgrade from client-side apply: fields whose live value is still the
    // last-applied one may be taken over (lastappliedmanager.go).
    const allowed = o.manager === 'kubectl' ? allowedByLastApplied(liveBody, o, t) : undefined;
    const left = allowed ? found.filter((f) => !allowed.has(f.path)) : found;
    if (left.length) return { conflicts: left.map((f) => f.c) };
  }
  for (const [key, m] of managers) {
    if (key === id) continue;
    m.set = m.set.difference(changed).difference(removed);
    if (m.set.empty()) managers.delete(key);
  }
  me.set = stripMeta(set);
  if (me.set.empty()) managers.delete(id);

  const object = structuredClone(dropNulls(merged, liveBody)) as KubeObject;
  if (!isPlainObject(object.metadata)) object.metadata = {};
  const entries = encodeManagedFields(managers);
  if (entries.length) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
  if (o.manager === 'kubectl') syncLastApplied(object, config);
  // IgnoreManagedFieldsTimestampsTransformer: a no-op apply keeps the old times (and resourceVersion).
  if (live && sameButTimes(object, live)) object.metadata.managedFields = structuredClone(live.metadata.managedFields);
  return { object };
}

/** The 409 the API server answers for apply conflicts (managedfields/internal/conflict.go). */
export function conflictError(conflicts: ApplyConflict[]): ApiError {
  const groups = new Map<string, { who: string; fields: string[] }>();
  for (const c of conflicts) {
    const id = managerId(c);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { who: printManager(c), fields: [] }));
    g.fields.push(c.field);
  }
  const ids = [...groups.keys()].sort();
  const causes = ids.flatMap((id) => groups.get(id)!.fields.map((field) => ({ reason: 'FieldManagerConflict', message: `conflict with ${groups.get(id)!.who}`, field })));
  let message: string;
  if (causes.length === 1) message = `Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`;
  else {
    const lines = ids.flatMap((id) => [`conflicts with ${groups.get(id)!.who}:`, ...groups.get(id)!.fields.map((f) => `- ${f}`)]);
    message = `Apply failed with ${causes.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

function printManager(c: ApplyConflict): string {
  let s = goQuote(c.manager);
  if (c.subresource) s += ` with subresource ${goQuote(c.subresource)}`;
  // Manager identifiers carry no time, so upstream never prints the ` at <time>` variant.
  if (c.operation === 'Update') s += ` using ${c.apiVersion}`;
  return s;
}

// ---------------------------------------------------------------------------------------------------
// typed.Merge: config (rhs) over live (lhs).

function resolve(t: TypeRef, v: unknown): TypeRef {
  if (t.kind !== 'deduced') return t;
  return isPlainObject(v) ? { kind: 'map', elem: t, atomic: false } : { kind: 'scalar' };
}

const emptyish = (v: unknown) => v === undefined || (isPlainObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

function merge(l: unknown, r: unknown, t: TypeRef): unknown {
  t = resolve(t, r ?? l);
  const keepRHS = () => (r !== undefined ? r : l);
  if (t.kind === 'scalar' || t.kind === 'deduced') return keepRHS();
  if (t.kind === 'list') {
    const la = Array.isArray(l) ? l : undefined;
    const ra = Array.isArray(r) ? r : undefined;
    if (t.rel === 'atomic' || (emptyish(la) && emptyish(ra))) return keepRHS();
    return mergeList(la ?? [], ra ?? [], t);
  }
  const lm = isPlainObject(l) ? l : undefined;
  const rm = isPlainObject(r) ? r : undefined;
  if (t.atomic || (emptyish(lm) && emptyish(rm))) return keepRHS();
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(lm ?? {})) {
    const v = merge(lm![k], rm?.[k], childType(t, k).type);
    if (v !== undefined) out[k] = v;
  }
  for (const k of Object.keys(rm ?? {})) {
    if (lm && k in lm) continue;
    const v = merge(undefined, rm![k], childType(t, k).type);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

// Items keep the live order; shared items follow the config's order and config-only items are placed
// where the config puts them (the ordering of typed/merge.go visitListItems).
function mergeList(la: unknown[], ra: unknown[], t: Extract<TypeRef, { kind: 'list' }>): unknown[] | undefined {
  const lPEs = la.map((x, i) => itemPE(t, x, i, []));
  const rItems = new Map<string, unknown>();
  ra.forEach((x, i) => {
    const pe = itemPE(t, x, i, []);
    if (!rItems.has(pe)) rItems.set(pe, x);
  });
  const rPEs = [...rItems.keys()];
  const lItems = new Map<string, unknown>();
  const duplicated = new Set<string>();
  lPEs.forEach((pe, i) => (lItems.has(pe) ? duplicated.add(pe) : lItems.set(pe, la[i])));
  // A live key that appears twice is replaced as a whole by the config's item.
  const lhsOf = (pe: string) => (duplicated.has(pe) ? undefined : lItems.get(pe));
  const shared = rPEs.filter((pe) => lItems.has(pe));
  let next = 0; // shared[next]: the shared item due next
  const merged = new Set<string>();
  const out: unknown[] = [];
  const push = (v: unknown) => v !== undefined && out.push(v);
  let lI = 0;
  let rI = 0;
  while (lI < la.length || rI < rPEs.length) {
    if (lI < la.length && rI < rPEs.length) {
      const pe = lPEs[lI];
      if (pe === rPEs[rI] && !merged.has(pe)) {
        push(merge(lhsOf(pe), rItems.get(pe), t.elem));
        merged.add(pe);
        lI++;
        rI++;
        next++;
        continue;
      }
      if (rItems.has(pe) && next < shared.length && shared[next] !== pe) {
        lI++; // a shared item, but not this round's: it goes where the config has it
        continue;
      }
    }
    if (lI < la.length) {
      const pe = lPEs[lI];
      if (!rItems.has(pe)) {
        push(merge(la[lI], undefined, t.elem));
        lI++;
        continue;
      }
      if (merged.has(pe)) {
        lI++;
        continue;
      }
    }
    if (rI < rPEs.length) {
      const pe = rPEs[rI];
      push(merge(lhsOf(pe), rItems.get(pe), t.elem));
      merged.add(pe);
      rI++;
      if (shared[next] === pe) next++;
      continue;
    }
    lI++;
  }
  return out.length ? out : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Pruning: fields the applier owned last time, left out now, and nobody (this config included) owns.

function prune(merged: Record<string, unknown>, last: FieldSet, managers: Managers, t: TypeRef): Record<string, unknown> {
  let all = new FieldSet();
  for (const m of managers.values()) all = all.union(m.set);
  const doomed = removable(ensureNamedFieldsAreMembers(last, t), ensureNamedFieldsAreMembers(all, t));
  return doomed.empty() ? merged : ((removeItems(merged, doomed, t) ?? {}) as Record<string, unknown>);
}

function removable(last: FieldSet, owned: FieldSet | undefined): FieldSet {
  const out = new FieldSet();
  for (const [pe, c] of last.children) {
    const o = owned?.children.get(pe);
    if (c.member && !o?.member) out.child(pe).member = true;
    else if (c.children.size) {
      const sub = removable(c, o);
      if (!sub.empty()) out.children.set(pe, sub);
    }
  }
  return out;
}

// typed.RemoveItems: a container left empty disappears (upstream leaves null, which decodes to unset).
function removeItems(v: unknown, s: FieldSet, t: TypeRef): unknown {
  t = resolve(t, v);
  if (t.kind === 'list') {
    if (!Array.isArray(v) || !v.length || t.rel === 'atomic') return v;
    const out: unknown[] = [];
    v.forEach((item, i) => {
      const c = s.children.get(itemPE(t, item, i, []));
      if (c?.member) return;
      const kept = c && !c.empty() ? removeItems(item, c, t.elem) : item;
      if (kept !== undefined) out.push(kept);
    });
    return out.length ? out : undefined;
  }
  if ((t.kind !== 'map' && t.kind !== 'struct') || t.atomic || !isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    const c = s.children.get(`f:${k}`);
    if (c?.member) continue;
    const kept = c && !c.empty() ? removeItems(val, c, childType(t, k).type) : val;
    if (kept !== undefined) out[k] = kept;
  }
  return Object.keys(out).length ? out : undefined;
}

// A null in the config sets the field to its zero value once decoded: drop nulls the config brought.
function dropNulls(v: unknown, live: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => dropNulls(x, undefined));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const lx = isPlainObject(live) ? live[k] : undefined;
    if (x === null && lx !== null) continue;
    out[k] = dropNulls(x, lx);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// kubectl: client-side apply's annotation.

function allowedByLastApplied(live: Record<string, unknown>, o: ApplyOptions, t: TypeRef): FieldSet | undefined {
  const annotations = isPlainObject(live.metadata) ? live.metadata.annotations : undefined;
  const raw = isPlainObject(annotations) ? annotations[LAST_APPLIED] : undefined;
  if (typeof raw !== 'string' || !raw) return undefined;
  try {
    const lastApplied = JSON.parse(raw);
    if (!isPlainObject(lastApplied) || lastApplied.apiVersion !== o.apiVersion) return undefined;
    // Fields of the annotation whose live value is still the annotated one.
    const c = compareObjects(lastApplied, live, o.definition);
    return toFieldSet(lastApplied, t).difference(c.modified).difference(c.added).difference(c.removed);
  } catch {
    return undefined;
  }
}

// lastappliedupdater.go: an apply by "kubectl" rewrites an existing annotation to the applied config.
function syncLastApplied(object: KubeObject, config: Record<string, unknown>): void {
  const annotations = object.metadata.annotations;
  if (!isPlainObject(annotations) || typeof annotations[LAST_APPLIED] !== 'string' || !annotations[LAST_APPLIED]) return;
  const copy = structuredClone(config);
  if (isPlainObject(copy.metadata) && isPlainObject(copy.metadata.annotations)) delete copy.metadata.annotations[LAST_APPLIED];
  annotations[LAST_APPLIED] = `${goJSON(copy)}\n`;
  // ValidateAnnotationsSize: past 256 KiB in total the annotation is dropped instead.
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + new TextEncoder().encode(k + String(v)).length, 0);
  if (size > 256 * 1024) delete annotations[LAST_APPLIED];
}

function sameButTimes(object: KubeObject, live: KubeObject): boolean {
  const a = object.metadata.managedFields;
  const b = live.metadata?.managedFields;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  if (!a.every((e, i) => deepEqual(without(e, ['time']), without(b[i], ['time'])))) return false;
  return deepEqual(without(object, ['metadata', 'managedFields']), without(live, ['metadata', 'managedFields']));
}
