// Decodes a Kubernetes protobuf request body (`k8s\0` + runtime.Unknown) into the JSON object the JSON path
// would have produced (kubectl-wire.md §7). kubectl >= 1.32 and helm send these for typed-client writes.
import { MESSAGES, ROOTS } from './schema';
import { ProtobufError, WIRE_LEN, WIRE_VARINT, WireReader } from './wire';

export { ProtobufError } from './wire';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"
const MAX_DEPTH = 64; // real objects nest ~15 deep; this stops hostile input from exhausting the stack
const SCALARS = new Set(['string', 'bool', 'int32', 'int64', 'bytes']);
const ZERO: Record<string, unknown> = { string: '', bytes: '', bool: false, int32: 0, int64: 0 };
const EMPTY: Uint8Array = new Uint8Array(0);
const ROOT_SET = new Set(ROOTS);

interface Field {
  name: string;
  type: string; // a scalar, or a qualified message name like 'core/v1.PodSpec'
  repeated: boolean;
  inline: boolean; // embedded struct whose fields JSON flattens into the parent
  keepZero: boolean; // a bool/int whose zero JSON still writes (Go pointer or no omitempty)
  mapValue?: string; // set for map<string, mapValue>
}

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** Decodes `k8s\0` + runtime.Unknown{typeMeta, raw}; throws ProtobufError on anything malformed. */
export function decodeKubeProtobuf(bytes: Uint8Array): DecodedObject {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ProtobufError('the body does not start with the "k8s\\x00" protobuf prefix');
  }
  const r = new WireReader(bytes, MAGIC.length);
  let apiVersion = '';
  let kind = '';
  let raw = EMPTY;
  let contentEncoding = '';
  let contentType = '';
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field > 4) {
      r.skip(wire);
      continue;
    }
    expectWire(wire, WIRE_LEN, `runtime.Unknown field ${field}`);
    const body = r.bytes();
    if (field === 1) ({ apiVersion, kind } = typeMeta(body));
    else if (field === 2) raw = body;
    else if (field === 3) contentEncoding = utf8(body);
    else contentType = utf8(body);
  }
  if (contentEncoding) throw new ProtobufError(`unsupported content encoding "${contentEncoding}"`);
  if (contentType && contentType !== PROTOBUF_MEDIA_TYPE) throw new ProtobufError(`unsupported embedded content type "${contentType}"`);
  if (!kind) throw new ProtobufError('the object has no kind');
  const decoded = decodeTyped(messageFor(apiVersion, kind), raw, 1);
  return { apiVersion, kind, object: { apiVersion, kind, ...(decoded as Record<string, unknown>) } };
}

function typeMeta(body: Uint8Array): { apiVersion: string; kind: string } {
  const r = new WireReader(body);
  const out = { apiVersion: '', kind: '' };
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field !== 1 && field !== 2) {
      r.skip(wire);
      continue;
    }
    expectWire(wire, WIRE_LEN, 'typeMeta');
    out[field === 1 ? 'apiVersion' : 'kind'] = r.string();
  }
  return out;
}

/** apiVersion + kind → schema key: group "" is dir `core`, `x.k8s.io` is dir `x`; DeleteOptions is meta's in any group. */
function messageFor(apiVersion: string, kind: string): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (kind === 'DeleteOptions' && version === 'v1') return 'meta/v1.DeleteOptions';
  const key = `${group ? group.split('.')[0] : 'core'}/${version}.${kind}`;
  if (!ROOT_SET.has(key)) throw new ProtobufError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  return key;
}

// ---- schema lookup (parsed lazily, once per message) ----

const FIELD_RE = /^(\[\])?(?:map<string,([\w./]+)>|([\w./]+)) (\^?)(\w+)=(\d+)(!?)(?:>(\w+))?$/;
const schemas = new Map<string, Map<number, Field>>();

function schemaOf(msg: string): Map<number, Field> {
  let s = schemas.get(msg);
  if (s) return s;
  const spec = MESSAGES[msg];
  if (spec === undefined) throw new ProtobufError(`no schema for message ${msg}`);
  const pkg = msg.slice(0, msg.lastIndexOf('.'));
  const qualify = (t: string) => (SCALARS.has(t) || t.includes('.') ? t : `${pkg}.${t}`);
  s = new Map();
  for (const part of spec.split('; ')) {
    const m = FIELD_RE.exec(part);
    if (!m) throw new Error(`schema.ts: bad field "${part}" in ${msg}`);
    const [, rep, mapValue, type, inline, name, num, keepZero, json] = m;
    s.set(Number(num), {
      name: json ?? name,
      type: mapValue ? 'map' : qualify(type),
      repeated: !!rep,
      inline: !!inline,
      keepZero: !!keepZero,
      mapValue: mapValue && qualify(mapValue),
    });
  }
  schemas.set(msg, s);
  return s;
}

// ---- value decoding ----

/** Decodes the bytes of one message of type `msg`; undefined means "omit" (zero Time, empty RawExtension). */
function decodeTyped(msg: string, bytes: Uint8Array, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new ProtobufError(`message nested more than ${MAX_DEPTH} levels deep`);
  const special = SPECIAL[msg] ?? (msg.endsWith('.ExtraValue') ? stringList : undefined);
  if (special) return special(new WireReader(bytes));
  const schema = schemaOf(msg);
  const out: Record<string, unknown> = {};
  const r = new WireReader(bytes);
  while (!r.eof()) {
    const { field, wire } = r.tag();
    const f = schema.get(field);
    if (!f) {
      r.skip(wire); // unknown (newer) field: proto semantics say ignore it
      continue;
    }
    if (f.mapValue) {
      expectWire(wire, WIRE_LEN, f.name);
      const [k, v] = mapEntry(r.bytes(), f.mapValue, depth);
      // defineProperty, not assignment: a "__proto__" key must stay a plain key, as JSON.parse keeps it
      Object.defineProperty((out[f.name] ??= {}) as object, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else if (f.repeated) {
      const list = (out[f.name] ??= []) as unknown[];
      if (wire === WIRE_LEN && (f.type === 'int32' || f.type === 'int64' || f.type === 'bool')) {
        const packed = new WireReader(r.bytes());
        while (!packed.eof()) list.push(scalar(packed, f.type, WIRE_VARINT, f.name));
      } else list.push(value(r, f, wire, depth) ?? null);
    } else {
      const v = value(r, f, wire, depth);
      if (f.inline && v && typeof v === 'object') Object.assign(out, v);
      else if (keep(f, v)) out[f.name] = v;
    }
  }
  for (const [k, v] of Object.entries(out)) if (Array.isArray(v) && v.length === 0) delete out[k]; // empty packed list
  return out;
}

/**
 * Go's protobuf marshaller writes every non-pointer field, zero or not; JSON's omitempty drops those zeros. So drop
 * empty strings and 0/false, except fields marked `!` in the schema (pointers, or no omitempty: `replicas: 0` stays).
 * Empty messages stay as `{}`: encoding/json never omits a struct (`resources: {}`), and `emptyDir: {}` means something.
 */
function keep(f: Field, v: unknown): boolean {
  if (v === undefined || v === '') return false;
  return f.keepZero || (v !== 0 && v !== false) || !SCALARS.has(f.type);
}

function value(r: WireReader, f: Field, wire: number, depth: number): unknown {
  return SCALARS.has(f.type) ? scalar(r, f.type, wire, f.name) : nested(r, f.type, wire, f.name, depth);
}

function nested(r: WireReader, type: string, wire: number, name: string, depth: number): unknown {
  expectWire(wire, WIRE_LEN, name);
  return decodeTyped(type, r.bytes(), depth + 1);
}

function scalar(r: WireReader, type: string, wire: number, name: string): unknown {
  const isLen = type === 'string' || type === 'bytes';
  expectWire(wire, isLen ? WIRE_LEN : WIRE_VARINT, name);
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return base64(r.bytes());
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    default:
      return r.int64();
  }
}

/** A map entry is a message {key = 1, value = 2}; missing parts take their zero value. */
function mapEntry(bytes: Uint8Array, valueType: string, depth: number): [string, unknown] {
  const r = new WireReader(bytes);
  let key = '';
  let val: unknown;
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field === 1) key = scalar(r, 'string', wire, 'map key') as string;
    else if (field === 2) val = SCALARS.has(valueType) ? scalar(r, valueType, wire, 'map value') : nested(r, valueType, wire, 'map value', depth);
    else r.skip(wire);
  }
  if (val === undefined) val = ZERO[valueType] ?? decodeTyped(valueType, EMPTY, depth + 1);
  return [key, val ?? null];
}

// ---- hand-decoded apimachinery types ----

type Special = (r: WireReader) => unknown;

/** Reads the listed fields of a small message (number → scalar type, or 'raw' for undecoded bytes). */
function fields(r: WireReader, types: Record<number, string>): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  while (!r.eof()) {
    const { field, wire } = r.tag();
    const type = types[field];
    if (type === 'raw') {
      expectWire(wire, WIRE_LEN, `field ${field}`);
      out[field] = r.bytes();
    } else if (type) out[field] = scalar(r, type, wire, `field ${field}`);
    else r.skip(wire);
  }
  return out;
}

/** meta/v1.Time {seconds, nanos}: RFC3339 in UTC, whole seconds; micro = MicroTime's 6 fraction digits. Zero → omitted. */
function time(micro: boolean): Special {
  return (r) => {
    const f = fields(r, { 1: 'int64', 2: 'int32' });
    const seconds = (f[1] as number) ?? 0;
    const nanos = (f[2] as number) ?? 0;
    if (!seconds && !nanos) return undefined;
    if (nanos < 0 || nanos > 999_999_999) throw new ProtobufError(`invalid timestamp nanos ${nanos}`);
    const d = new Date(seconds * 1000);
    if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) throw new ProtobufError(`timestamp out of range: ${seconds}`);
    const base = d.toISOString().slice(0, 19);
    return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
  };
}

/** RawExtension {raw} and FieldsV1 {Raw} carry JSON bytes. */
const rawJson: Special = (r) => {
  const raw = fields(r, { 1: 'raw' })[1] as Uint8Array | undefined;
  if (!raw?.length) return undefined;
  try {
    return JSON.parse(utf8(raw));
  } catch {
    throw new ProtobufError('embedded raw JSON is not valid JSON');
  }
};

/** ExtraValue-style wrappers {repeated string items = 1} are plain string lists in JSON. */
const stringList: Special = (r) => {
  const items: string[] = [];
  while (!r.eof()) {
    const { field, wire } = r.tag();
    if (field === 1) items.push(scalar(r, 'string', wire, 'items') as string);
    else r.skip(wire);
  }
  return items;
};

const SPECIAL: Record<string, Special> = {
  'meta/v1.Time': time(false),
  'meta/v1.MicroTime': time(true),
  'meta/v1.FieldsV1': rawJson,
  'runtime.RawExtension': rawJson,
  'resource.Quantity': (r) => (fields(r, { 1: 'string' })[1] as string) || '0',
  // IntOrString {type: 0 int / 1 string, intVal, strVal}
  'intstr.IntOrString': (r) => {
    const f = fields(r, { 1: 'int64', 2: 'int32', 3: 'string' });
    return f[1] === 1 ? ((f[3] as string) ?? '') : ((f[2] as number) ?? 0);
  },
};

// ---- helpers ----

function expectWire(got: number, want: number, what: string): void {
  if (got !== want) throw new ProtobufError(`wrong wire type ${got} for ${what} (want ${want})`);
}

const decoder = new TextDecoder();
const utf8 = (b: Uint8Array) => decoder.decode(b);

/** Standard base64 (Secret data's JSON form), chunked so large helm release payloads do not blow the stack. */
function base64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}
