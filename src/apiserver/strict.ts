// Server-side field validation (fieldValidation=Strict|Warn): the fields of a request body that the
// kind's schema does not know, named the way sigs.k8s.io/json's strict decoder names them
// (`spec.foo`, `spec.containers[0].imagePullPolicyy`), and the messages the API server builds from them.
// Duplicate fields (`duplicate field "x"`) are not reported: JSON.parse has already dropped them.
import schema from '../resources/schema.json';

/** A property's schema (see scripts/gen-schemas.mjs). */
export interface FieldSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  format?: string;
  enum?: string[];
  ref?: string;
  items?: FieldSchema;
  additionalProperties?: FieldSchema;
  description?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** An OpenAPI definition: a struct (properties) or a leaf with custom JSON (Time, Quantity, FieldsV1…). */
export interface Definition extends Omit<FieldSchema, 'ref' | 'items'> {
  description: string;
  required?: string[];
  properties?: Record<string, FieldSchema>;
}

export const definitions = schema as unknown as Record<string, Definition>;

// The decoder stops collecting strict errors at 100 (sigs.k8s.io/json saveStrictError).
const MAX_ERRORS = 100;

/** The OpenAPI definition name of a served kind: ('apps', 'v1', 'Deployment') → io.k8s.api.apps.v1.Deployment. */
export function definitionOf(group: string, version: string, kind: string): string {
  if (kind === 'DeleteOptions') return 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
  // Upstream names API groups by their first label: discovery.k8s.io → discovery, '' → core.
  return `io.k8s.api.${group === '' ? 'core' : group.split('.')[0]}.${version}.${kind}`;
}

/**
 * Paths of the fields in `obj` that `definition` does not declare, in the order the decoder meets them.
 * Patches are decoded after Go re-marshals the patched object as a map, which sorts keys at every
 * level: pass `sortKeys` for PATCH to report in that order.
 */
export function unknownFields(obj: unknown, definition: string, opts: { sortKeys?: boolean; prune?: boolean } = {}): string[] {
  const walk: Walk = { out: [], sortKeys: opts.sortKeys ?? false, prune: opts.prune ?? false };
  walkStruct(obj, definitions[definition], '', walk);
  return walk.out;
}

/** Drops the fields `definition` does not declare, as decoding into the Go type does; returns their paths. */
export function pruneUnknownFields(obj: unknown, definition: string, sortKeys = false): string[] {
  return unknownFields(obj, definition, { sortKeys, prune: true });
}

interface Walk {
  out: string[];
  sortKeys: boolean;
  prune: boolean;
}

function walkStruct(value: unknown, def: Definition | undefined, path: string, w: Walk): void {
  // Leaves (Time, Quantity, IntOrString) and raw JSON (RawExtension, FieldsV1) decode themselves.
  if (!def?.properties || def['x-kubernetes-preserve-unknown-fields'] || !isObject(value)) return;
  const keys = Object.keys(value);
  if (w.sortKeys) keys.sort();
  for (const key of keys) {
    if (w.out.length >= MAX_ERRORS && !w.prune) return;
    const at = path ? `${path}.${key}` : key;
    const field = def.properties[key];
    if (field) walkField(value[key], field, at, w);
    else {
      if (w.out.length < MAX_ERRORS) w.out.push(at);
      if (w.prune) delete value[key];
    }
  }
}

function walkField(value: unknown, field: FieldSchema, path: string, w: Walk): void {
  if (value == null || field['x-kubernetes-preserve-unknown-fields']) return;
  if (field.ref) return walkStruct(value, definitions[field.ref], path, w);
  const { items, additionalProperties: values } = field;
  if (items && Array.isArray(value)) {
    value.forEach((v, i) => walkField(v, items, `${path}[${i}]`, w));
  } else if (values && isObject(value)) {
    // Map keys join the path like field names (no map in the served kinds has struct values today).
    const keys = Object.keys(value);
    if (w.sortKeys) keys.sort();
    for (const k of keys) walkField(value[k], values, `${path}.${k}`, w);
  }
  // A JSON type that does not fit the schema is a decode (type) error, not an unknown field.
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One strict decoding error as the decoder words it: `unknown field "spec.foo"` (also the Warning text). */
export function unknownFieldWarning(path: string): string {
  return `unknown field ${goQuote(path)}`;
}

/**
 * The 400 BadRequest message for fieldValidation=Strict (handlers' transformDecodeError wrapping
 * runtime.NewStrictDecodingError): all errors after a single `strict decoding error: ` prefix.
 */
export function strictDecodingMessage(kind: string, version: string, paths: string[]): string {
  return `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: strict decoding error: ${paths.map(unknownFieldWarning).join(', ')}`;
}

/** Go's strconv.Quote (what %q prints): exact for ASCII; of other non-printables only the common ones. */
export function goQuote(s: string): string {
  let q = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') q += `\\${ch}`;
    else if (GO_ESCAPES[ch]) q += GO_ESCAPES[ch];
    else if (c < 0x20 || c === 0x7f) q += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 || c === 0xfeff) q += `\\u${c.toString(16).padStart(4, '0')}`;
    else q += ch;
  }
  return q + '"';
}
const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
