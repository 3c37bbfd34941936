// core/v1 Secret: SetDefaults_Secret, the stringData conversion, ValidateSecret(Update) and printSecret.
import { invalid, required, tooLong, type FieldError } from '../apiserver/field-errors';
import { ageColumn, nameColumn } from '../apiserver/printers';
import { MAX_DATA_BYTES, base64Length, configKeyErrors, dataSize, immutableErrors } from './configmaps';
import type { KubeObject, ResourceDef } from './types';

function toBase64(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(value: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

/** type Opaque when unset; stringData (write-only) is folded into data, overwriting, and never stored. */
function defaults(obj: KubeObject) {
  obj.type ||= 'Opaque';
  if (obj.stringData) {
    obj.data = { ...obj.data };
    for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = toBase64(String(v));
  }
  delete obj.stringData;
}

/**
 * The encoding/json error Go reports for a docker config that is not a JSON object. Syntax errors are
 * approximated: the exact Go text depends on the scanner position.
 */
function jsonObjectError(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const first = text.trim()[0];
    if (first === undefined) return 'unexpected end of JSON input';
    return /[\[{"\-0-9tfn]/.test(first) ? 'unexpected end of JSON input' : `invalid character '${first}' looking for beginning of value`;
  }
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
  const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

function dockerConfigErrors(data: Record<string, string>, key: string): FieldError[] {
  if (!(key in data)) return [required(`data[${key}]`)];
  const err = jsonObjectError(fromBase64(data[key]));
  return err ? [invalid(`data[${key}]`, '<secret contents redacted>', err)] : [];
}

/** The keys each well-known secret type requires. */
function typeErrors(obj: KubeObject): FieldError[] {
  const data: Record<string, string> = obj.data ?? {};
  switch (obj.type) {
    case 'kubernetes.io/service-account-token':
      return obj.metadata.annotations?.['kubernetes.io/service-account.name'] ? [] : [required('metadata.annotations[kubernetes.io/service-account.name]')];
    case 'kubernetes.io/dockercfg':
      return dockerConfigErrors(data, '.dockercfg');
    case 'kubernetes.io/dockerconfigjson':
      return dockerConfigErrors(data, '.dockerconfigjson');
    case 'kubernetes.io/basic-auth':
      return 'username' in data || 'password' in data ? [] : [required('data[username]'), required('data[password]')];
    case 'kubernetes.io/ssh-auth':
      return base64Length(data['ssh-privatekey'] ?? '') ? [] : [required('data[ssh-privatekey]')];
    case 'kubernetes.io/tls':
      return ['tls.crt', 'tls.key'].filter((k) => !(k in data)).map((k) => required(`data[${k}]`));
  }
  return [];
}

function validate(obj: KubeObject): FieldError[] {
  const errs = configKeyErrors(obj.data, 'data');
  if (dataSize(obj.data) > MAX_DATA_BYTES) errs.push(tooLong('data', MAX_DATA_BYTES));
  return [...errs, ...typeErrors(obj)];
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = obj.type === old.type ? [] : [invalid('type', obj.type, 'field is immutable')];
  return [...errs, ...immutableErrors(obj, old, ['data']), ...validate(obj)];
}

export const secrets: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  nameRule: 'subdomain',
  generation: false,
  defaults,
  validate,
  validateUpdate,
  columns: [
    nameColumn,
    {
      name: 'Type',
      type: 'string',
      description: 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
      cell: (o) => o.type ?? '',
    },
    {
      name: 'Data',
      type: 'string',
      description:
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
      cell: (o) => Object.keys(o.data ?? {}).length,
    },
    ageColumn,
  ],
  fieldSelectors: { type: (o) => o.type ?? '' },
};
