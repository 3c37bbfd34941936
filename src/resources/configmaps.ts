// core/v1 ConfigMap: ValidateConfigMap(Update) and printConfigMap, plus the key, size and `immutable`
// rules Secrets share (pkg/apis/core/validation, IsConfigMapKey).
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
