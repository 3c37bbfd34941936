// Managed fields (metadata.managedFields) as the 1.35 API server keeps them: structured-merge-diff field
// sets walked with the kinds' schemas, their FieldsV1 wire form, and the field manager's bookkeeping for
// Update operations (create, PUT, non-apply PATCH). Behaviour follows sigs.k8s.io/structured-merge-diff
// (typed/tofieldset.go, compare.go, fieldpath/serialize*.go) and k8s.io/apimachinery
// pkg/util/managedfields/internal (fieldmanager, stripmeta, managedfieldsupdater, capmanagers, skipnonapplied).
// Server-side apply itself lives in apply.ts.
import { fieldMeta, type FieldMeta } from '../resources/field-meta';
import type { KubeObject } from '../resources/types';
import { deepEqual, isPlainObject } from './json-util';
import { definitions, goQuote, type FieldSchema } from './strict';

// ---------------------------------------------------------------------------------------------------
// Path elements. A path element is kept in its FieldsV1 spelling: `f:name` (struct field or map key),
// `k:{"name":"x"}` (list-map item: its keys, sorted by name, compact JSON), `v:"x"` (set item), `i:0`.

export type FieldPath = readonly string[];

/** Go's encoding/json string encoding (HTML-safe), which the API server's JSON encoders use. */
function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Compact JSON as Go's json.Marshal writes it (object keys sorted, HTML characters escaped). */
export function goJSON(v: unknown): string {
  if (typeof v === 'string') return goString(v);
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${goString(k)}:${goJSON(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export const fieldPE = (name: string) => `f:${name}`;

function keyPE(fields: [string, unknown][]): string {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `k:{${sorted.map(([n, v]) => `${goString(n)}:${goJSON(v)}`).join(',')}}`;
}

interface ParsedPE {
  kind: 'f' | 'k' | 'v' | 'i';
  name?: string;
  fields?: [string, unknown][];
  value?: unknown;
  index?: number;
}

const parsedCache = new Map<string, ParsedPE>();

function parsePE(pe: string): ParsedPE {
  let p = parsedCache.get(pe);
  if (p) return p;
  const kind = pe[0] as ParsedPE['kind'];
  const body = pe.slice(2);
  if (pe[1] !== ':') throw new Error(`invalid path element ${pe}`);
  if (kind === 'f') p = { kind, name: body };
  else if (kind === 'k') {
    const obj = JSON.parse(body);
    if (!isPlainObject(obj)) throw new Error(`invalid key ${pe}`);
    p = { kind, fields: Object.keys(obj).sort().map((k) => [k, obj[k]] as [string, unknown]) };
  } else if (kind === 'v') p = { kind, value: JSON.parse(body) };
  else if (kind === 'i' && /^-?\d+$/.test(body)) p = { kind, index: Number(body) };
  else throw new Error(`invalid path element ${pe}`);
  if (parsedCache.size > 4096) parsedCache.clear();
  parsedCache.set(pe, p);
  return p;
}

/** The canonical spelling of a path element read from FieldsV1 (sorted keys, Go JSON). */
function canonicalPE(pe: string): string {
  const p = parsePE(pe);
  if (p.kind === 'k') return keyPE(p.fields!);
  if (p.kind === 'v') return `v:${goJSON(p.value)}`;
  if (p.kind === 'i') return `i:${p.index}`;
  return pe;
}

// value.Compare: numbers < strings < booleans < lists < maps < null.
function rank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isPlainObject(v)) return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0 || ra === 2) return Number(a) - Number(b);
  if (ra === 1) return a! < b! ? -1 : a! > b! ? 1 : 0;
  if (ra === 3) {
    const x = a as unknown[];
    const y = b as unknown[];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareValues(x[i], y[i]);
      if (c) return c;
    }
    return x.length - y.length;
  }
  if (ra === 4) return compareFields(Object.entries(a as object).sort(), Object.entries(b as object).sort());
  return 0;
}

function compareFields(a: [string, unknown][], b: [string, unknown][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i][0] !== b[i][0]) return a[i][0] < b[i][0] ? -1 : 1;
    const c = compareValues(a[i][1], b[i][1]);
    if (c) return c;
  }
  return a.length - b.length;
}

/** PathElement.Compare: fields < keys < values < indexes, each in its own order. */
export function comparePE(a: string, b: string): number {
  if (a === b) return 0;
  const order = 'fkvi';
  if (a[0] !== b[0]) return order.indexOf(a[0]) - order.indexOf(b[0]);
  const x = parsePE(a);
  const y = parsePE(b);
  if (x.kind === 'f') return x.name! < y.name! ? -1 : 1;
  if (x.kind === 'k') return compareFields(x.fields!, y.fields!);
  if (x.kind === 'v') return compareValues(x.value, y.value);
  return x.index! - y.index!;
}

// value.ToString: how a key or set value shows in a rendered path.
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).map((k) => `${k}=${valueString(v[k])}`).join(',')}}`;
  return String(v);
}

/** A path as conflict messages print it: `.spec.template.spec.containers[name="nginx"].image`. */
export function renderPath(path: FieldPath): string {
  return path
    .map((pe) => {
      const p = parsePE(pe);
      if (p.kind === 'f') return `.${p.name}`;
      if (p.kind === 'k') return `[${p.fields!.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
      if (p.kind === 'v') return `[=${valueString(p.value)}]`;
      return `[${p.index}]`;
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------------
// Field sets: a trie of path elements; a node is a member when the path leading to it is in the set.

export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: FieldPath): void {
    let n: FieldSet = this;
    for (const pe of path) n = n.child(pe);
    n.member = true;
  }

  child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  has(path: FieldPath): boolean {
    let n: FieldSet | undefined = this;
    for (const pe of path) if (!(n = n.children.get(pe))) return false;
    return n.member;
  }

  empty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member || o.member;
    for (const [pe, c] of this.children) out.children.set(pe, o.children.has(pe) ? c.union(o.children.get(pe)!) : c.clone());
    for (const [pe, c] of o.children) if (!this.children.has(pe)) out.children.set(pe, c.clone());
    return out;
  }

  /** Members of this set that are not members of o (children of a removed member stay). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !o.member;
    for (const [pe, c] of this.children) {
      const d = o.children.has(pe) ? c.difference(o.children.get(pe)!) : c.clone();
      if (!d.empty()) out.children.set(pe, d);
    }
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && o.member;
    for (const [pe, c] of this.children) {
      const other = o.children.get(pe);
      if (!other) continue;
      const i = c.intersection(other);
      if (!i.empty()) out.children.set(pe, i);
    }
    return out;
  }

  equals(o: FieldSet): boolean {
    return this.difference(o).empty() && o.difference(this).empty();
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  /** Member paths in fieldpath.Set.Iterate order: a node's members (sorted) before its children's. */
  paths(prefix: string[] = []): string[][] {
    const keys = [...this.children.keys()].sort(comparePE);
    const out: string[][] = [];
    for (const pe of keys) if (this.children.get(pe)!.member) out.push([...prefix, pe]);
    for (const pe of keys) {
      const c = this.children.get(pe)!;
      if (c.children.size) out.push(...c.paths([...prefix, pe]));
    }
    return out;
  }

  /** FieldsV1 as the API server writes it: sorted path elements, `.` first for a member with children. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(self: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (self && this.member) out['.'] = {};
    for (const pe of [...this.children.keys()].sort(comparePE)) {
      const c = this.children.get(pe)!;
      if (c.empty()) continue;
      out[pe] = c.children.size && [...c.children.values()].some((x) => !x.empty()) ? c.emit(true) : {};
    }
    return out;
  }

  /** Parses FieldsV1; throws on anything that is not a field set. */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    read(v, s);
    return s;
  }
}

function read(v: unknown, node: FieldSet): void {
  if (!isPlainObject(v)) throw new Error('FieldsV1 must be an object');
  for (const [k, sub] of Object.entries(v)) {
    if (k === '.') {
      node.member = true;
      continue;
    }
    const child = node.child(canonicalPE(k));
    if (isPlainObject(sub) && Object.keys(sub).length === 0) child.member = true;
    else read(sub, child);
  }
}

// ---------------------------------------------------------------------------------------------------
// Schema types: schema.json plus field-meta.ts list/map semantics.

export type TypeRef =
  | { kind: 'struct'; def: string; atomic: boolean }
  | { kind: 'map'; elem: TypeRef; atomic: boolean }
  | { kind: 'list'; elem: TypeRef; rel: 'atomic' | 'set' | 'map'; keys: string[]; itemDef?: string }
  | { kind: 'scalar' }
  | { kind: 'deduced' };

const core = (t: string) => `io.k8s.api.core.v1.${t}`;
const meta = (t: string) => `io.k8s.apimachinery.pkg.apis.meta.v1.${t}`;

// Types marked +structType=atomic upstream (x-kubernetes-map-type: atomic on the definition); schema.json
// does not carry the marker and field-meta.ts only has per-field entries. TODO: move into field-meta.ts.
const ATOMIC_STRUCTS = new Set([
  meta('LabelSelector'),
  meta('OwnerReference'),
  core('ObjectReference'),
  core('LocalObjectReference'),
  core('TypedLocalObjectReference'),
  core('TypedObjectReference'),
  core('SecretReference'),
  core('ConfigMapKeySelector'),
  core('SecretKeySelector'),
  core('FileKeySelector'),
  core('ObjectFieldSelector'),
  core('ResourceFieldSelector'),
  core('NodeSelector'),
  core('NodeSelectorTerm'),
  core('EndpointPort'),
  'io.k8s.api.discovery.v1.EndpointPort',
]);

// Per-field SSA markers missing from field-meta.ts. TODO: move into field-meta.ts.
const EXTRA_META: Record<string, Record<string, FieldMeta>> = {
  [core('ReplicationControllerSpec')]: { selector: { mapType: 'atomic' } },
};

// Defaults of list-map key fields (OpenAPI `default`): structured-merge-diff fills a missing key from them.
const KEY_DEFAULTS: Record<string, Record<string, unknown>> = {
  [core('ContainerPort')]: { protocol: 'TCP' },
  [core('ServicePort')]: { protocol: 'TCP' },
};

const typeCache = new Map<string, TypeRef>();

export const structType = (def: string): TypeRef => ({ kind: 'struct', def, atomic: ATOMIC_STRUCTS.has(def) });

function schemaType(f: FieldSchema, m?: FieldMeta): TypeRef {
  if (f['x-kubernetes-preserve-unknown-fields']) return { kind: 'deduced' };
  if (f.ref) {
    const d = definitions[f.ref];
    if (d?.properties) return { kind: 'struct', def: f.ref, atomic: ATOMIC_STRUCTS.has(f.ref) || m?.structType === 'atomic' || m?.mapType === 'atomic' };
    return d?.['x-kubernetes-preserve-unknown-fields'] ? { kind: 'deduced' } : { kind: 'scalar' };
  }
  if (f.type === 'array' && f.items) {
    const rel = m?.listType ?? 'atomic';
    return { kind: 'list', elem: schemaType(f.items), rel, keys: m?.listMapKeys ?? [], itemDef: f.items.ref };
  }
  if (f.type === 'object') return f.additionalProperties ? { kind: 'map', elem: schemaType(f.additionalProperties), atomic: m?.mapType === 'atomic' } : { kind: 'deduced' };
  return { kind: 'scalar' };
}

/** The type of a map key or struct field, and whether it is a declared (named) struct field. */
export function childType(t: TypeRef, name: string): { type: TypeRef; named: boolean } {
  if (t.kind === 'map') return { type: t.elem, named: false };
  if (t.kind !== 'struct') return { type: { kind: 'deduced' }, named: false };
  const f = definitions[t.def]?.properties?.[name];
  if (!f) return { type: { kind: 'deduced' }, named: false };
  const id = `${t.def}.${name}`;
  let ct = typeCache.get(id);
  if (!ct) typeCache.set(id, (ct = schemaType(f, EXTRA_META[t.def]?.[name] ?? fieldMeta(t.def, name))));
  return { type: ct, named: true };
}

/** The type below a path element of t (a field for maps/structs, the element type for lists). */
export function typeBelow(t: TypeRef, pe: string): { type: TypeRef; named: boolean } {
  if (t.kind === 'list') return { type: t.elem, named: false };
  return pe.startsWith('f:') ? childType(t, pe.slice(2)) : { type: { kind: 'deduced' }, named: false };
}

/** A list value's shape that does not fit the schema: the config cannot be typed. */
export class TypedError extends Error {}

/** The path element of a list item (keys of a list-map, the value of a set). */
export function itemPE(t: Extract<TypeRef, { kind: 'list' }>, item: unknown, i: number, path: FieldPath): string {
  const fail = (msg: string): never => {
    throw new TypedError(`${renderPath(path)}: element ${i}: ${msg}`);
  };
  if (t.rel === 'set') {
    if (isPlainObject(item) || Array.isArray(item)) fail('associative list without keys has an element that is a map type');
    return `v:${goJSON(item)}`;
  }
  if (!isPlainObject(item)) return fail('associative list with keys may not have non-map elements');
  const defaults = t.itemDef ? KEY_DEFAULTS[t.itemDef] : undefined;
  return keyPE(
    t.keys.map((k): [string, unknown] => {
      const v = item[k] !== undefined ? item[k] : defaults?.[k];
      if (v === undefined) fail(`associative list with keys has an element that omits key field ${goQuote(k)} (and doesn't have default value)`);
      return [k, v];
    }),
  );
}

const isEmptyObject = (v: unknown) => isPlainObject(v) && Object.keys(v).length === 0;

/**
 * typed.ToFieldSet: scalars, atomic lists/maps/structs, list items, granular map keys, and null or
 * empty struct fields. `strict` reports duplicate list keys (what validating an apply config does).
 */
export function toFieldSet(value: unknown, t: TypeRef, strict = false, path: string[] = [], out = new FieldSet()): FieldSet {
  if (t.kind === 'scalar' || (t.kind === 'deduced' && !isPlainObject(value))) out.insert(path);
  else if (t.kind === 'list') {
    if (t.rel === 'atomic') out.insert(path);
    else if (Array.isArray(value)) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const pe = itemPE(t, item, i, path);
        if (seen.has(pe)) {
          if (strict) throw new TypedError(`${renderPath(path)}: duplicate entries for key ${renderPath([pe])}`);
          return;
        }
        seen.add(pe);
        toFieldSet(item, t.elem, strict, [...path, pe], out);
        out.insert([...path, pe]);
      });
    }
  } else if (t.kind !== 'deduced' && t.atomic) out.insert(path);
  else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const c = childType(t, k);
      const p = [...path, fieldPE(k)];
      toFieldSet(v, c.type, strict, p, out);
      if (!c.named || v === null || isEmptyObject(v)) out.insert(p);
    }
  }
  return out;
}

/** EnsureNamedFieldsAreMembers: struct fields with owned children count as owned themselves. */
export function ensureNamedFieldsAreMembers(s: FieldSet, t: TypeRef): FieldSet {
  const out = new FieldSet();
  out.member = s.member;
  for (const [pe, c] of s.children) {
    const below = typeBelow(t, pe);
    const e = ensureNamedFieldsAreMembers(c, below.type);
    if (below.named && c.children.size) e.member = true;
    out.children.set(pe, e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Comparing objects (typed.Compare). The API server compares Go objects, whose JSON always carries
// value structs and fields without omitempty; ZERO lists those, so that e.g. `.spec.template` is never
// "added" and only pointer structs and omitempty maps/lists (labels, rollingUpdate, ports) get `.`.

const ZERO: Record<string, Record<string, unknown>> = {
  [meta('ObjectMeta')]: { creationTimestamp: null },
  [core('PodTemplateSpec')]: { metadata: {}, spec: {} },
  [core('PodSpec')]: { containers: null },
  [core('Container')]: { resources: {} },
  [core('EphemeralContainer')]: { resources: {} },
  'io.k8s.api.apps.v1.DeploymentSpec': { selector: null, template: {}, strategy: {} },
  'io.k8s.api.apps.v1.ReplicaSetSpec': { selector: null, template: {} },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { replicas: 0 },
  [core('ReplicationControllerStatus')]: { replicas: 0 },
  [core('ServiceStatus')]: { loadBalancer: {} },
  [core('NodeStatus')]: { daemonEndpoints: {}, nodeInfo: {} },
  [core('NodeDaemonEndpoints')]: { kubeletEndpoint: {} },
  [core('DaemonEndpoint')]: { Port: 0 },
  [core('NodeSystemInfo')]: Object.fromEntries(
    ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'].map((k) => [k, '']),
  ),
  [core('LimitRangeSpec')]: { limits: null },
  [core('Event')]: { involvedObject: {}, source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '' },
  'io.k8s.api.events.v1.Event': { eventTime: null, regarding: {}, deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null },
  'io.k8s.api.discovery.v1.EndpointSlice': { addressType: '', endpoints: null, ports: null },
  'io.k8s.api.autoscaling.v1.ScaleStatus': { replicas: 0 },
};

const zeroCache = new Map<string, Record<string, unknown>>();

function zeroFields(def: string): Record<string, unknown> {
  let z = zeroCache.get(def);
  if (z) return z;
  const props = definitions[def]?.properties ?? {};
  z = {};
  // Every kind's metadata, spec and status are value structs.
  if (props.apiVersion && props.metadata?.ref === meta('ObjectMeta')) for (const k of ['metadata', 'spec', 'status']) if (props[k]) z[k] = {};
  Object.assign(z, ZERO[def]);
  zeroCache.set(def, z);
  return z;
}

function withZero(v: Record<string, unknown>, t: TypeRef): Record<string, unknown> {
  if (t.kind !== 'struct') return v;
  const z = zeroFields(t.def);
  const missing = Object.keys(z).filter((k) => !(k in v));
  return missing.length ? { ...Object.fromEntries(missing.map((k) => [k, z[k]])), ...v } : v;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function compare(l: unknown, r: unknown, t: TypeRef, path: string[], c: Comparison): void {
  if (l === r) return; // the same value (or subtree shared with the stored object): nothing changed
  const leaf = () => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
  };
  if (t.kind === 'deduced') t = isPlainObject(r ?? l) ? { kind: 'map', elem: t, atomic: false } : { kind: 'scalar' };
  if (t.kind === 'scalar') return leaf();
  if (t.kind === 'list') {
    const la = Array.isArray(l) ? l : [];
    const ra = Array.isArray(r) ? r : [];
    if (t.rel === 'atomic' || (!la.length && !ra.length)) return leaf();
    const left = new Map<string, unknown>();
    la.forEach((item, i) => {
      const pe = itemPE(t, item, i, path);
      if (!left.has(pe)) left.set(pe, item);
    });
    const right = new Set<string>();
    ra.forEach((item, i) => {
      const pe = itemPE(t, item, i, path);
      if (right.has(pe)) return;
      right.add(pe);
      compare(left.get(pe), item, t.elem, [...path, pe], c);
    });
    for (const [pe, item] of left) if (!right.has(pe)) compare(item, undefined, t.elem, [...path, pe], c);
  } else {
    const lm = isPlainObject(l) ? withZero(l, t) : undefined;
    const rm = isPlainObject(r) ? withZero(r, t) : undefined;
    if (t.atomic || ((!lm || !Object.keys(lm).length) && (!rm || !Object.keys(rm).length))) return leaf();
    for (const k of new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})])) {
      compare(lm?.[k], rm?.[k], childType(t, k).type, [...path, fieldPE(k)], c);
    }
  }
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
}

/** A shallow copy of obj without the value at path (for reset fields and metadata.managedFields). */
export function without(obj: unknown, path: readonly string[]): unknown {
  if (!isPlainObject(obj) || !(path[0] in obj)) return obj;
  const out = { ...obj };
  if (path.length === 1) delete out[path[0]];
  else out[path[0]] = without(out[path[0]], path.slice(1));
  return out;
}

/** Fields added, modified and removed from lhs to rhs, ignoring managedFields and the reset fields. */
export function compareObjects(lhs: unknown, rhs: unknown, definition: string, ignore: readonly (readonly string[])[] = []): Comparison {
  for (const p of [['metadata', 'managedFields'], ...ignore]) {
    lhs = without(lhs, p);
    rhs = without(rhs, p);
  }
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compare(lhs, rhs, structType(definition), [], c);
  return c;
}

/**
 * The fields a strategy resets, which nobody owns through this endpoint (GetResetFields): status on the
 * main resource and spec on the status subresource, where the kind has them.
 */
export function resetFieldsOf(definition: string, subresource?: string): string[][] {
  const props = definitions[definition]?.properties ?? {};
  if (subresource === 'status') return props.spec ? [['spec']] : [];
  return props.status ? [['status']] : [];
}

/** A set without the subtrees at the given field paths (RecursiveDifference). */
export function withoutFields(s: FieldSet, fields: readonly (readonly string[])[]): FieldSet {
  const out = s.clone();
  for (const p of fields) {
    let n: FieldSet | undefined = out;
    for (let i = 0; n && i < p.length - 1; i++) n = n.children.get(fieldPE(p[i]));
    n?.children.delete(fieldPE(p[p.length - 1]));
  }
  return out;
}

// Fields never recorded as owned (stripmeta.go); only these exact members are dropped, not their children.
const STRIP = FieldSet.of(
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => ['f:metadata', fieldPE(f)]),
);

export const stripMeta = (s: FieldSet) => s.difference(STRIP);

/**
 * The fields obj owns as an apply configuration for `definition` (typed.ToFieldSet), without the
 * fields the API server never records (apiVersion, kind, metadata.name/namespace/uid/…) and the
 * strategy's reset fields (status, or spec for the status subresource).
 */
export function fieldSetOf(obj: unknown, definition: string, o: { subresource?: string } = {}): FieldSet {
  return stripMeta(withoutFields(toFieldSet(obj, structType(definition)), resetFieldsOf(definition, o.subresource)));
}

// ---------------------------------------------------------------------------------------------------
// metadata.managedFields entries.

export type ManagedFieldsEntry = {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: object;
  subresource?: string;
};

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
  /** As decoded, to write an unchanged set back byte for byte. */
  orig?: { set: FieldSet; fieldsV1: object };
}

/** Managers by identifier. */
export type Managers = Map<string, Manager>;

/**
 * BuildManagerIdentifier: the entry as JSON without fields and time; appliers leave out the API version
 * so that applying through another version is still the same manager.
 */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let id = '{';
  if (m.manager) id += `"manager":${goString(m.manager)},`;
  id += `"operation":"${m.operation}"`;
  if (m.operation === 'Update' && m.apiVersion) id += `,"apiVersion":${goString(m.apiVersion)}`;
  if (m.subresource) id += `,"subresource":${goString(m.subresource)}`;
  return `${id}}`;
}

/** DecodeManagedFields; undefined when any entry is invalid. */
export function decodeManagedFields(entries: unknown): Managers | undefined {
  const out: Managers = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) return undefined;
  for (const e of entries) {
    if (!isPlainObject(e)) return undefined;
    if (e.operation !== 'Apply' && e.operation !== 'Update') return undefined;
    if (typeof e.apiVersion !== 'string' || !e.apiVersion || e.fieldsType !== 'FieldsV1') return undefined;
    let set: FieldSet;
    try {
      set = e.fieldsV1 == null ? new FieldSet() : FieldSet.fromFieldsV1(e.fieldsV1);
    } catch {
      return undefined;
    }
    const m: Manager = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: typeof e.subresource === 'string' && e.subresource ? e.subresource : undefined,
      time: typeof e.time === 'string' ? e.time : undefined,
      set,
      orig: e.fieldsV1 != null ? { set, fieldsV1: e.fieldsV1 } : undefined,
    };
    out.set(managerId(m), m);
  }
  return out;
}

const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
const cmpStr = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);

/** encodeManagedFields: one entry per manager, sorted by operation, time, manager, version, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()]
    .filter((m) => !m.set.empty())
    .sort(
      (p, q) =>
        cmpStr(p.operation, q.operation) ||
        seconds(p.time) - seconds(q.time) ||
        cmpStr(p.manager, q.manager) ||
        cmpStr(p.apiVersion, q.apiVersion) ||
        cmpStr(p.subresource, q.subresource),
    );
  return entries.map((m) => {
    const e: Record<string, unknown> = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time !== undefined) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.orig && (m.orig.set === m.set || m.orig.set.equals(m.set)) ? m.orig.fieldsV1 : m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e as ManagedFieldsEntry;
  });
}

/** capmanagers.go: past 10 Update entries, the oldest merge into "ancient-changes" per API version. */
function capUpdateManagers(managers: Managers, max = 10): void {
  const updaters = [...managers.keys()].filter((k) => managers.get(k)!.operation === 'Update');
  if (updaters.length <= max) return;
  updaters.sort((a, b) => seconds(managers.get(a)!.time) - seconds(managers.get(b)!.time) || cmpStr(a, b));
  const firstOfVersion = new Map<string, string>();
  for (let i = 0, length = updaters.length; i < updaters.length && length > max; i++) {
    const m = managers.get(updaters[i])!;
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, updaters[i]);
      continue;
    }
    const bucket: Manager = { manager: 'ancient-changes', operation: 'Update', apiVersion: m.apiVersion, set: new FieldSet() };
    const id = managerId(bucket);
    if (updaters[i] === id) continue;
    let previous = managers.get(id);
    if (!previous) {
      // The first entry of this version becomes the bucket.
      previous = managers.get(first)!;
      managers.delete(first);
    }
    managers.delete(updaters[i]);
    managers.set(id, { ...bucket, set: m.set.union(previous.set), time: m.time });
    length--;
  }
}

/** `managedFields: []` or `[{}]` in a request clears the managed fields. */
function isReset(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  return mf.length === 1 && isPlainObject(mf[0]) && Object.values(mf[0]).every((v) => v === '' || v === null || v === undefined);
}

export interface UpdateOptions {
  manager: string;
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

/**
 * The managedFields of `next` after an Update operation (create, PUT, non-apply PATCH) by o.manager.
 * `old` is the stored object (undefined on create); `next` the object about to be stored, after
 * defaulting, carrying the managedFields of the request (a PUT body's, or the patched object's).
 * The fields that differ from old become the manager's (one entry per manager, operation, version and
 * subresource) and leave every other manager; removed fields leave every set. A request's own valid
 * managedFields replace the stored ones (`[]` or `[{}]` clears them); subresources ignore them. An
 * object updated with no managed fields stays untracked until an apply. Empty result: drop the field.
 */
export function updateManagedFields(old: KubeObject | undefined, next: KubeObject, o: UpdateOptions): ManagedFieldsEntry[] {
  const live = () => decodeManagedFields(old?.metadata?.managedFields) ?? new Map();
  let managers: Managers;
  const requested = next.metadata?.managedFields;
  if (o.subresource) managers = live();
  else if (isReset(requested)) managers = new Map();
  else {
    const decoded = decodeManagedFields(requested);
    managers = decoded?.size ? decoded : live();
  }
  if (old && managers.size === 0) return []; // skipnonapplied.go: only a create starts tracking

  let c: Comparison;
  try {
    c = compareObjects(old ?? {}, next, o.definition, o.resetFields ?? resetFieldsOf(o.definition, o.subresource));
  } catch (e) {
    if (e instanceof TypedError) return []; // UpdateNoErrors drops managedFields it cannot compute
    throw e;
  }
  const changed = c.modified.union(c.added);
  for (const [id, m] of managers) {
    m.set = m.set.difference(changed).difference(c.removed);
    if (m.set.empty()) managers.delete(id);
  }
  const current = stripMeta(changed.difference(c.removed));
  if (!current.empty()) {
    const m: Manager = { manager: o.manager || 'unknown', operation: 'Update', apiVersion: o.apiVersion, subresource: o.subresource, set: current, time: o.time };
    const id = managerId(m);
    const previous = managers.get(id);
    managers.set(id, previous ? { ...previous, set: previous.set.union(current), time: o.time } : m);
  }
  capUpdateManagers(managers);
  return encodeManagedFields(managers);
}
