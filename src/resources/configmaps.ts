// core/v1 ConfigMap: ValidateConfigMap(Update) and printConfigMap, plus the key, size and `immutable`
// rules Secrets share (pkg/apis/core/validation, IsConfigMapKey).
import { badRequest } from '../apiserver/errors';
import { forbidden, invalid, tooLong, type FieldError } from '../apiserver/field-errors';
import { deepEqual } from '../apiserver/json-util';
import { regexError } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { KubeObject, ResourceDef } from './types';

/** core.MaxSecretSize, the limit for Secret data and ConfigMap data + binaryData. */
export const MAX_DATA_BYTES = 1024 * 1024;
const KEY_FORMAT = '[-._a-zA-Z0-9]+';

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** IsConfigMapKey */
function configKeyMessages(key: string): string[] {
  const msgs: string[] = [];
  if (utf8Length(key) > 253) msgs.push('must be no more than 253 characters');
  if (!new RegExp(`^${KEY_FORMAT}$`).test(key)) {
    msgs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", KEY_FORMAT, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (key === '.') msgs.push("must not be '.'");
  else if (key === '..') msgs.push("must not be '..'");
  else if (key.startsWith('..')) msgs.push("must not start with '..'");
  return msgs;
}

/** Errors for every key of a data map, at `<field>[<key>]`. */
export const configKeyErrors = (data: Record<string, unknown> | undefined, field: string): FieldError[] =>
  Object.keys(data ?? {}).flatMap((k) => configKeyMessages(k).map((msg) => invalid(`${field}[${k}]`, k, msg)));

const isBase64 = (c: number) =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
const isNewline = (c: number) => c === 0x0a || c === 0x0d;

/**
 * base64.StdEncoding.Decode's CorruptInputError offset for the value's bytes, or -1 when it decodes.
 * Newlines are skipped; padding is required; nothing may follow it.
 */
export function base64ErrorOffset(value: string): number {
  const src = new TextEncoder().encode(value);
  let si = 0;
  while (si < src.length) {
    for (let j = 0; j < 4; j++) {
      if (si === src.length) return j === 0 ? -1 : si - j;
      const c = src[si++];
      if (isBase64(c)) continue;
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d || j < 2) return si - 1;
      if (j === 2) {
        // "==" expected: the first "=" is consumed
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return src.length;
        if (src[si] !== 0x3d) return si - 1;
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      return si < src.length ? si : -1;
    }
  }
  return -1;
}

/**
 * Decoding a map[string][]byte field (Secret data, ConfigMap binaryData) as encoding/json does: the first
 * bad value's error, else undefined with every value in canonical base64, as the API server writes it back.
 */
export function decodeBytesMap(obj: KubeObject, field: string): string | undefined {
  const map = obj[field];
  if (map == null) return undefined;
  const goField = `Go struct field ${obj.kind}.${field} of type`;
  if (typeof map !== 'object' || Array.isArray(map)) return `json: cannot unmarshal ${Array.isArray(map) ? 'array' : typeof map} into ${goField} map[string][]uint8`;
  for (const [k, v] of Object.entries(map)) {
    if (v === null) map[k] = '';
    else if (typeof v !== 'string') return `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into ${goField} []uint8`;
    else {
      const at = base64ErrorOffset(v);
      if (at >= 0) return `illegal base64 data at input byte ${at}`;
      map[k] = btoa(atob(v.replace(/[\r\n]/g, '')));
    }
  }
  return undefined;
}

/** Bytes a base64 value decodes to (the value is []byte on the wire). */
export const base64Length = (s: string) => Math.floor((s.replace(/\s/g, '').replace(/=+$/, '').length * 3) / 4);

const sumLengths = (data: Record<string, string> | undefined, length: (s: string) => number) =>
  Object.values(data ?? {}).reduce((n, v) => n + length(String(v)), 0);

export const dataSize = (data: Record<string, string> | undefined) => sumLengths(data, base64Length);

const emptyAsAbsent = (v: unknown) => (v && typeof v === 'object' && !Object.keys(v).length ? undefined : v);

/** Once `immutable: true` is stored, it and the listed data fields are frozen (metadata may still change). */
export function immutableErrors(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  const message = 'field is immutable when `immutable` is set';
  if (obj.immutable !== true) errs.push(forbidden('immutable', message));
  for (const f of fields) if (!deepEqual(emptyAsAbsent(obj[f]), emptyAsAbsent(old[f]))) errs.push(forbidden(f, message));
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const errs = configKeyErrors(obj.data, 'data');
  for (const k of Object.keys(obj.data ?? {})) {
    if (k in (obj.binaryData ?? {})) errs.push(invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
  }
  errs.push(...configKeyErrors(obj.binaryData, 'binaryData'));
  // The size error refers to the whole object: upstream passes an empty path, printed as "[]".
  if (sumLengths(obj.data, utf8Length) + dataSize(obj.binaryData) > MAX_DATA_BYTES) errs.push(tooLong('[]', MAX_DATA_BYTES));
  return errs;
}

const DATA_DESCRIPTION =
  "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";

/** binaryData is []byte: bad base64 is a decoding error (400), as encoding/json reports it. */
function defaults(obj: KubeObject) {
  const err = decodeBytesMap(obj, 'binaryData');
  if (err) throw badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: ${err}`);
}

export const configmaps: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  nameRule: 'subdomain',
  generation: false,
  defaults,
  validate,
  validateUpdate: (obj, old) => [...immutableErrors(obj, old, ['data', 'binaryData']), ...validate(obj)],
  columns: [
    nameColumn,
    {
      name: 'Data',
      type: 'string',
      description: DATA_DESCRIPTION,
      cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
    },
    ageColumn,
  ],
};
