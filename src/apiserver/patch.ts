// The three PATCH body formats, as the 1.35 API server applies them: JSON merge patch and JSON
// patch (gopkg.in/evanphx/json-patch.v4 behind apiserver pkg/endpoints/handlers/patch.go) and
// strategic merge patch (apimachinery pkg/util/strategicpatch). Pure: inputs are never mutated.
// Error texts assume the default fieldValidation (Warn or Strict), where the handler first decodes
// the body strictly.
import type { PatchMeta } from '../resources/types';

type JsonMap = Record<string, unknown>;

/**
 * A rejected patch. `code`, `reason` and `message` make the Status (an empty reason means the
 * server answers a bare error: no reason field). For 422 the server hides the library error behind
 * a generic message; `detail` keeps it for logs and tests.
 */
export class PatchError extends Error {
  constructor(
    readonly code: 400 | 413 | 422 | 500,
    message: string,
    readonly detail = message,
  ) {
    super(message);
    this.name = 'PatchError';
  }

  get reason(): string {
    return { 400: 'BadRequest', 413: 'RequestEntityTooLarge', 422: 'Invalid', 500: '' }[this.code];
  }
}

const badRequest = (message: string) => new PatchError(400, message);
/** NewGenericServerResponse(422, …) drops the server message. */
const unprocessable = (detail: string) =>
  new PatchError(422, 'the server rejected our request due to an error in our request', detail);
/** A plain Go error reaching the handler becomes a 500 Status carrying its text. */
const internal = (message: string) => new PatchError(500, message);

const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** Sets a key as plain data, so that a "__proto__" key from a request stays an ordinary key. */
function put(obj: JsonMap, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The JSON kind as Go's decoder names it in "cannot unmarshal X into …". */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // object, string, number
}

const cannotUnmarshal = (v: unknown, goType: string) => `json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`;

// ---------------------------------------------------------------------------------------------
// JSON merge patch (RFC 7386 as evanphx/json-patch v4 implements it).

/** Drops nulls from objects and arrays, recursively (evanphx pruneNulls). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(pruneNulls);
  if (!isMap(v)) return v;
  for (const [k, x] of Object.entries(v)) {
    if (x === null) delete v[k];
    else put(v, k, pruneNulls(x));
  }
  return v;
}

function mergeInto(cur: unknown, patch: unknown): unknown {
  if (!isMap(cur)) return pruneNulls(patch);
  if (!isMap(patch)) return patch;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete cur[k];
    else put(cur, k, Object.hasOwn(cur, k) ? mergeInto(cur[k], v) : pruneNulls(v));
  }
  return cur;
}

/** application/merge-patch+json: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null) throw badRequest('Invalid JSON Patch');
  if (!isMap(patch)) throw badRequest(`error decoding patch: ${cannotUnmarshal(patch, 'map[string]interface {}')}`);
  return mergeInto(clone(target), clone(patch));
}

// ---------------------------------------------------------------------------------------------
// JSON patch (RFC 6902 as evanphx/json-patch v4 implements it, quirks included: negative array
// indexes count from the end, "replace" of a missing object key adds it, "copy" of a missing
// object key copies null).

const MAX_JSON_PATCH_OPERATIONS = 10000;

type Container = JsonMap | unknown[];
type Op = { op?: unknown; path?: unknown; from?: unknown; value?: unknown };

/** An operation that does not apply; the server answers 422 and logs this text. */
class OpFailure extends Error {}

function fail(message: string): never {
  throw new OpFailure(message);
}

/** op.path / op.from; decodeOps already rejected non-strings, so absent and null remain. */
function stringField(op: Op, field: 'path' | 'from', missing: string): string {
  const v = op[field];
  return typeof v === 'string' ? v : fail(missing);
}

const isContainer = (v: unknown): v is Container => Array.isArray(v) || isMap(v);
const decodeKey = (k: string) => k.replaceAll('~1', '/').replaceAll('~0', '~');

/** strconv.Atoi: the number, or Go's error text. */
function atoi(key: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(key)) return `strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`;
  const n = Number(key);
  return Number.isSafeInteger(n) ? n : `strconv.Atoi: parsing ${JSON.stringify(key)}: value out of range`;
}

const badIndex = (idx: number) => `Unable to access invalid index: ${idx}: invalid index referenced`;

/** An array position for get/set/remove: negative counts from the end. */
function position(arr: unknown[], key: string): number | string {
  const idx = atoi(key);
  if (typeof idx === 'string') return idx;
  if (idx < -arr.length || idx >= arr.length) return badIndex(idx);
  return idx < 0 ? idx + arr.length : idx;
}

/** The value at key, undefined when an object lacks it; an error text for a bad array index. */
function getFrom(con: Container, key: string): { value?: unknown; error?: string } {
  if (!Array.isArray(con)) return { value: Object.hasOwn(con, key) ? con[key] : undefined };
  const idx = position(con, key);
  return typeof idx === 'string' ? { error: idx } : { value: con[idx] };
}

/** The container operations return Go's error text, or undefined on success. */
function addTo(con: Container, key: string, value: unknown): string | undefined {
  if (!Array.isArray(con)) {
    put(con, key, value);
    return;
  }
  if (key === '-') {
    con.push(value);
    return;
  }
  const idx = atoi(key);
  if (typeof idx === 'string') return `value was not a proper array index: '${key}': ${idx}`;
  const size = con.length + 1; // inserting may target one past the end
  if (idx < -size || idx >= size) return badIndex(idx);
  con.splice(idx < 0 ? idx + size : idx, 0, value);
}

function setIn(con: Container, key: string, value: unknown): string | undefined {
  if (!Array.isArray(con)) {
    put(con, key, value);
    return;
  }
  const idx = position(con, key);
  if (typeof idx === 'string') return idx;
  con[idx] = value;
}

function removeFrom(con: Container, key: string): string | undefined {
  if (!Array.isArray(con)) {
    if (!Object.hasOwn(con, key)) return `Unable to remove nonexistent key: ${key}: missing value`;
    delete con[key];
    return;
  }
  const idx = position(con, key);
  if (typeof idx === 'string') return idx;
  con.splice(idx, 1);
}

/** The container holding the last path segment, or undefined when the path does not lead to one. */
function findObject(root: Container, path: string): { con: Container; key: string } | undefined {
  const parts = path.split('/');
  if (parts.length < 2) return undefined;
  let con = root;
  for (const part of parts.slice(1, -1)) {
    const next = getFrom(con, decodeKey(part)).value;
    if (!isContainer(next)) return undefined;
    con = next;
  }
  return { con, key: decodeKey(parts[parts.length - 1]) };
}

const hasValue = (op: Op) => Object.hasOwn(op, 'value');
const opValue = (op: Op) => (hasValue(op) ? op.value : null);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!isMap(a) || !isMap(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

function opAdd(root: Container, op: Op): Container {
  const path = stringField(op, 'path', 'add operation failed to decode path: missing value');
  const at = findObject(root, path) ?? fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
  const err = addTo(at.con, at.key, opValue(op));
  if (err) fail(`error in add for path: '${path}': ${err}`);
  return root;
}

function opRemove(root: Container, op: Op): Container {
  const path = stringField(op, 'path', 'remove operation failed to decode path: missing value');
  const at = findObject(root, path) ?? fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  const err = removeFrom(at.con, at.key);
  if (err) fail(`error in remove for path: '${path}': ${err}`);
  return root;
}

function opReplace(root: Container, op: Op): Container {
  const path = stringField(op, 'path', 'replace operation failed to decode path: operation missing path field: missing value');
  if (path === '') {
    // Go formats a nil %w here, hence the odd suffix.
    return isContainer(op.value) ? op.value : fail('replace operation value must be object or array: %!w(<nil>)');
  }
  const at = findObject(root, path) ?? fail(`replace operation does not apply: doc is missing path: ${path}: missing value`);
  if (getFrom(at.con, at.key).error) fail(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  const err = setIn(at.con, at.key, opValue(op));
  if (err) fail(`error in remove for path: '${path}': ${err}`);
  return root;
}

function opMove(root: Container, op: Op): Container {
  const from = stringField(op, 'from', 'move operation failed to decode from: operation, missing from field: missing value');
  const src = findObject(root, from) ?? fail(`move operation does not apply: doc is missing from path: ${from}: missing value`);
  const got = getFrom(src.con, src.key);
  const err = got.error ?? removeFrom(src.con, src.key);
  if (err) fail(`error in move for path: '${src.key}': ${err}`);
  const path = stringField(op, 'path', 'move operation failed to decode path: operation missing path field: missing value');
  const dst = findObject(root, path) ?? fail(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
  const addErr = addTo(dst.con, dst.key, got.value ?? null);
  if (addErr) fail(`error in move for path: '${path}': ${addErr}`);
  return root;
}

function opCopy(root: Container, op: Op): Container {
  const from = stringField(op, 'from', 'copy operation failed to decode from: operation, missing from field: missing value');
  const src = findObject(root, from) ?? fail(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
  const got = getFrom(src.con, src.key);
  if (got.error) fail(`error in copy for from: '${from}': ${got.error}`);
  const path = stringField(op, 'path', 'copy operation failed to decode path: missing value');
  const dst = findObject(root, path) ?? fail(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
  const err = addTo(dst.con, dst.key, clone(got.value ?? null));
  if (err) fail(`error while adding value during copy: ${err}`);
  return root;
}

function opTest(root: Container, op: Op): Container {
  const path = stringField(op, 'path', 'test operation failed to decode path: operation missing path field: missing value');
  const failed = () => fail(`testing value ${path} failed: test failed`);
  if (path === '') return hasValue(op) && deepEqual(root, op.value) ? root : failed();
  const at = findObject(root, path) ?? fail(`test operation does not apply: is missing path: ${path}: missing value`);
  const got = getFrom(at.con, at.key);
  if (got.error) fail(`error in test for path: '${path}': ${got.error}`);
  const actual = got.value ?? null;
  // A missing or null value passes against an absent or null "value".
  if (actual === null ? op.value != null : !hasValue(op) || !deepEqual(actual, op.value)) failed();
  return root;
}

const OPS: Record<string, (root: Container, op: Op) => Container> = {
  add: opAdd, remove: opRemove, replace: opReplace, move: opMove, copy: opCopy, test: opTest,
};

/** The handler's strict decode into []jsonPatchOp: the body's shape errors, as 400s. */
function decodeOps(ops: unknown): Op[] {
  if (ops === null) return [];
  const decodeError = (msg: string) => badRequest(`error decoding patch: json: ${msg}`);
  if (!Array.isArray(ops)) throw decodeError(`cannot unmarshal ${jsonKind(ops)} into Go value of type []handlers.jsonPatchOp`);
  for (const op of ops) {
    if (op === null) continue;
    if (!isMap(op)) throw decodeError(`cannot unmarshal ${jsonKind(op)} into Go value of type handlers.jsonPatchOp`);
    for (const [field, v] of Object.entries(op)) {
      if (['op', 'path', 'from'].includes(field) && v !== null && typeof v !== 'string') {
        throw decodeError(`cannot unmarshal ${jsonKind(v)} into Go struct field jsonPatchOp.${field} of type string`);
      }
    }
  }
  return clone(ops).map((op) => op ?? {});
}

/** application/json-patch+json: the operations in order; any failure rejects the whole patch. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  const patch = decodeOps(ops);
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      413,
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  let root = clone(doc) as Container;
  for (const op of patch) {
    const kind = typeof op.op === 'string' ? op.op : 'unknown';
    try {
      root = Object.hasOwn(OPS, kind) ? OPS[kind](root, op) : fail(`Unexpected kind: ${kind}`);
    } catch (e) {
      if (e instanceof OpFailure) throw unprocessable(e.message);
      throw e;
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch.

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';

/** Go's %v: how strategicpatch errors print maps and lists. */
function goV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goV(v[k])}`).join(' ')}]`;
  if (typeof v === 'number' && !Number.isInteger(v)) {
    // float64 %v is %g: exponent form below 1e-4 and from 1e6 up, with a two-digit exponent.
    const [mantissa, exp] = v.toExponential().split('e');
    const e = Number(exp);
    return e < -4 || e >= 6 ? `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}` : String(v);
  }
  return String(v);
}

/** reflect.TypeOf(v) as %s prints it, for unstructured JSON (integers decode as int64). */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** %s of a directive value: strings print bare, anything else as Go's bad-verb form. */
const goS = (v: unknown) => (typeof v === 'string' ? v : v == null ? '%!s(<nil>)' : `%!s(${goType(v)}=${goV(v)})`);

const errBadArgType = (expected: string, actual: unknown) =>
  internal(`expected a ${expected}, but received a ${goType(actual)}`);
const errNoMergeKey = (m: JsonMap, key: string) =>
  internal(`map: ${goV(m)} does not contain declared merge key: ${key}`);
const errBadPatchType = (directive: unknown, m: JsonMap) =>
  internal(`unknown patch type: ${goS(directive)} in map: ${goV(m)}`);

const childPath = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** How the list at `path` merges. */
function listStrategy(meta: PatchMeta, path: string): { merge: boolean; mergeKey: string } {
  const tag = meta[path];
  return { merge: !!tag && tag.strategy.split(',').includes('merge'), mergeKey: tag?.mergeKey ?? '' };
}

const isDirectiveKey = (k: string) =>
  k === PATCH || k === RETAIN_KEYS || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER);

/**
 * A patch value taken as it is (no original to merge with). Upstream stores it raw and the typed
 * decode drops the directive keys and nulls; this does the same on JSON.
 */
function fresh(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fresh);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && !isDirectiveKey(k)) put(out, k, fresh(x));
  return out;
}

/** "$setElementOrder/containers" → "containers"; anything else malformed is a 400. */
function directiveTarget(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix || slash === key.length - 1) throw badRequest(error);
  return key.slice(slash + 1);
}

/** sliceElementType: the kind shared by every element, 'map' or a scalar type. */
function elementKind(...lists: unknown[][]): string {
  let kind: string | undefined;
  for (const v of lists.flat()) {
    const t = Array.isArray(v) ? 'slice' : isMap(v) ? 'map' : goType(v);
    if (kind === undefined && t === 'slice') throw unprocessable('lists of lists are not supported');
    if (kind !== undefined && t !== kind) throw internal(`list element types are not identical: ${goV(lists)}`);
    kind = t;
  }
  if (kind === undefined) throw internal('no elements in any of the given slices');
  return kind;
}

function asMap(v: unknown): JsonMap {
  if (!isMap(v)) throw errBadArgType('map[string]interface {}', v);
  return v;
}

function mergeKeyOf(v: unknown, mergeKey: string): unknown {
  const m = asMap(v);
  if (!Object.hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
  return m[mergeKey];
}

/** What items are compared by when ordering: the merge key value for maps, the item itself otherwise. */
const identity = (item: unknown, mergeKey: string, kind: string) =>
  kind === 'map' ? (isMap(item) ? item[mergeKey] ?? null : null) : item;

/** Position of each item in `list` (first occurrence), looked up by identity; -1 when absent. */
function positions(list: unknown[], mergeKey: string, kind: string): (item: unknown) => number {
  const at = new Map<unknown, number>();
  list.forEach((x, i) => {
    const id = identity(x, mergeKey, kind);
    if (!at.has(id)) at.set(id, i);
  });
  return (item) => at.get(identity(item, mergeKey, kind)) ?? -1;
}

/** sort.SliceStable by position in `order`. */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: string): unknown[] {
  const indexOf = positions(order, mergeKey, kind);
  const keyed = items.map((item) => ({ item, at: indexOf(item) }));
  if (keyed.every((k) => k.at >= 0)) return keyed.sort((a, b) => a.at - b.at).map((k) => k.item);
  // Upstream's comparator calls an item missing from `order` "less" than anything; that is only
  // consistent under its insertion sort, so replay that for these odd patches.
  for (let i = 1; i < keyed.length; i++) {
    for (let j = i; j > 0; j--) {
      const [a, b] = [keyed[j], keyed[j - 1]];
      if (a.at >= 0 && b.at >= 0 && a.at >= b.at) break;
      [keyed[j], keyed[j - 1]] = [b, a];
    }
  }
  return keyed.map((k) => k.item);
}

const isDeleteElement = (v: unknown) => asMap(v)[PATCH] === 'delete';

/** normalizeSliceOrder: sort by `order`; `$patch: delete` elements go last. */
function normalizeSliceOrder(items: unknown[], order: unknown[], mergeKey: string, kind: string): unknown[] {
  if (kind !== 'map') return sortByOrder(items, order, mergeKey, kind);
  for (const v of [...items, ...order]) mergeKeyOf(v, mergeKey);
  const kept = items.filter((v) => !isDeleteElement(v));
  return [...sortByOrder(kept, order, mergeKey, kind), ...items.filter(isDeleteElement)];
}

/**
 * normalizeElementOrder: patch items in patch order, server-only items in server order, then the
 * server-only items are woven in before the first patch item that follows them in the server order.
 */
function normalizeElementOrder(
  patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: string,
): unknown[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const serverIndex = positions(serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const [li, ri] = [serverIndex(left[i]), serverIndex(right[j])];
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return out;
}

/** Splits `merged` into items present in `by` (matched by merge key, or by value) and the rest. */
function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  let inBy: (v: unknown) => boolean;
  if (!mergeKey) {
    const values = new Set(by);
    inBy = (v) => values.has(v);
  } else {
    const keys = new Set(
      by.map((x, i) => {
        if (!isMap(x)) throw internal(`value for key ${i} is not a map.`);
        return Object.hasOwn(x, mergeKey) ? x[mergeKey] : undefined;
      }),
    );
    inBy = (v) => keys.has(mergeKeyOf(v, mergeKey));
  }
  const present = merged.map(inBy);
  return [merged.filter((_, i) => present[i]), merged.filter((_, i) => !present[i])];
}

/** `$patch` elements of a list of maps: delete removes by merge key, replace drops the original. */
function applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const rest: unknown[] = [];
  const deleted = new Set<unknown>();
  let replace = false;
  for (const v of patch) {
    const el = asMap(v);
    if (!Object.hasOwn(el, PATCH)) rest.push(el);
    else if (el[PATCH] === 'delete') deleted.add(mergeKeyOf(el, mergeKey));
    else if (el[PATCH] === 'replace') replace = true;
    else if (el[PATCH] === 'merge') throw internal('merging lists cannot yet be specified in the patch');
    else throw errBadPatchType(el[PATCH], el);
  }
  if (replace) return [rest.map(fresh), []];
  const kept = original.filter((o) => !(Object.hasOwn(asMap(o), mergeKey) && deleted.has(asMap(o)[mergeKey])));
  return [kept, rest];
}

/** mergeSlice: a list with strategy merge. */
function mergeList(
  original: unknown[], patch: unknown[], mergeKey: string, path: string, meta: PatchMeta, deleteList: boolean,
): unknown[] {
  if (!original.length && !patch.length) return original;
  const kind = elementKind(original, patch);
  let merged: unknown[];
  if (kind !== 'map') {
    const toDelete = new Set(patch);
    if (deleteList) return original.filter((v) => !toDelete.has(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    // Go names the declared element type here; merge lists without a key are lists of strings.
    if (!mergeKey) throw internal('cannot merge lists without merge key for type string');
    [original, patch] = applyListDirectives(original, patch, mergeKey);
    merged = [...original];
    const byKey = new Map<unknown, number>(); // first element holding each merge key value
    merged.forEach((o, i) => {
      const m = asMap(o);
      if (Object.hasOwn(m, mergeKey) && !byKey.has(m[mergeKey])) byKey.set(m[mergeKey], i);
    });
    for (const el of patch) {
      const key = mergeKeyOf(el, mergeKey);
      const i = byKey.get(key);
      if (i !== undefined) merged[i] = mergeMap(asMap(merged[i]), asMap(el), path, meta);
      else byKey.set(key, merged.push(fresh(el)) - 1);
    }
  }
  const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

/** The patch list's items must appear in `$setElementOrder` in the same relative order. */
function validateElementOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (!order.length || !patchList.length) return;
  const items = mergeKey ? patchList.filter((v) => !isDeleteElement(v)) : patchList;
  const sameItem = (a: unknown, b: unknown) => (mergeKey ? mergeKeyOf(a, mergeKey) === mergeKeyOf(b, mergeKey) : a === b);
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    if (isMap(items[p]) && Object.hasOwn(items[p] as JsonMap, PATCH)) {
      p++;
      continue;
    }
    if (sameItem(items[p], order[s])) p++;
    s++;
  }
  if (p < items.length) {
    throw internal(`The order in patch list:\n${goV(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goV(order)}\n`);
  }
}

/** `$setElementOrder/<list>`: merge that list now and order it as the directive says. */
function applySetElementOrder(original: JsonMap, patch: JsonMap, path: string, meta: PatchMeta): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType('[]interface {}', order);
    const field = directiveTarget(key, SET_ELEMENT_ORDER, ERR_SET_ELEMENT_ORDER);
    const inOriginal = Object.hasOwn(original, field);
    const inPatch = Object.hasOwn(patch, field);
    const originalList = inOriginal ? original[field] : [];
    const patchList = inPatch ? patch[field] : [];
    if (!Array.isArray(originalList)) throw errBadArgType('[]interface {}', originalList);
    if (!Array.isArray(patchList)) throw errBadArgType('[]interface {}', patchList);
    if (!inOriginal && !inPatch) continue;
    const listPath = childPath(path, field);
    const { merge, mergeKey } = listStrategy(meta, listPath);
    validateElementOrder(patchList, order, mergeKey);
    const merged = !inPatch ? originalList
      : inOriginal && merge ? mergeList(originalList, patchList, mergeKey, listPath, meta, false)
      : (fresh(patchList) as unknown[]);
    const [patchItems, serverOnly] = partition(merged, order, mergeKey);
    const kind = elementKind(originalList, patchList);
    put(original, field, normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey, kind));
    delete patch[field];
  }
}

/** `$retainKeys`: keys of the original not listed are cleared; the patch may only set listed keys. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys)) throw badRequest(ERR_RETAIN_KEYS);
  for (const [k, v] of Object.entries(patch)) {
    const exempt = v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER);
    if (!exempt && !keys.includes(k)) throw badRequest(ERR_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!keys.includes(k)) delete original[k];
}

/** One key's merge: like kinds merge (maps always, lists per strategy); anything else replaces. */
function mergeValue(original: unknown, patch: unknown, path: string, meta: PatchMeta, deleteList: boolean): unknown {
  if (isMap(original) && isMap(patch)) return mergeMap(original, patch, path, meta);
  if (Array.isArray(original) && Array.isArray(patch)) {
    const { merge, mergeKey } = listStrategy(meta, path);
    if (merge) return mergeList(original, patch, mergeKey, path, meta, deleteList);
  }
  return fresh(patch);
}

/** mergeMap: directives first ($patch, $retainKeys, $setElementOrder), then key by key. */
function mergeMap(original: JsonMap, patch: JsonMap, path: string, meta: PatchMeta): JsonMap {
  if (Object.hasOwn(patch, PATCH)) {
    const directive = patch[PATCH];
    if (directive === 'delete') return {};
    if (directive !== 'replace') throw errBadPatchType(directive, patch);
    return fresh(patch) as JsonMap;
  }
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, path, meta);
  for (const [rawKey, value] of Object.entries(patch)) {
    const deleteList = rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const key = deleteList ? directiveTarget(rawKey, DELETE_FROM_PRIMITIVE_LIST, ERR_PRIMITIVE_LIST) : rawKey;
    if (value === null) delete original[key];
    else if (!Object.hasOwn(original, key)) put(original, key, fresh(value));
    else put(original, key, mergeValue(original[key], value, childPath(path, key), meta, deleteList));
  }
  return original;
}

/**
 * application/strategic-merge-patch+json. `meta` names the lists that merge (see PatchMeta and
 * patch-meta.ts); other lists are replaced, maps merge, null deletes.
 */
export function strategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (patch === null) return clone(original);
  if (!isMap(patch)) throw badRequest(cannotUnmarshal(patch, 'map[string]interface {}'));
  return mergeMap(isMap(original) ? clone(original) : {}, clone(patch), '', meta);
}
