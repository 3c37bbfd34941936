// core/v1 Secret: SetDefaults_Secret, the stringData conversion, ValidateSecret(Update) and printSecret.
import { badRequest } from '../apiserver/errors';
import { invalid, required, tooLong, type FieldError } from '../apiserver/field-errors';
import { ageColumn, nameColumn } from '../apiserver/printers';
import { MAX_DATA_BYTES, base64Length, configKeyErrors, dataSize, decodeBytesMap, immutableErrors } from './configmaps';
import type { KubeObject, ResourceDef } from './types';

function toBase64(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

const fromBase64 = (value: string) => Uint8Array.from(atob(value), (c) => c.charCodeAt(0));

/**
 * Decoding (data is []byte: bad base64 is a 400, as encoding/json reports it), then SetDefaults_Secret (type
 * Opaque when unset) and the conversion that folds write-only stringData into data, overwriting; stringData
 * is never stored.
 */
function defaults(obj: KubeObject) {
  const err = decodeBytesMap(obj, 'data');
  if (err) throw badRequest(`Secret in version "v1" cannot be handled as a Secret: ${err}`);
  obj.type ||= 'Opaque';
  if (obj.stringData) {
    obj.data = { ...obj.data };
    for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = toBase64(String(v));
  }
  delete obj.stringData;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** encoding/json quoteChar: the byte as Go's strconv.Quote shows it, in single quotes. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16)}'`;
  return `'${String.fromCharCode(c)}'`;
}

const LITERALS: Record<number, string> = { 0x74: 'true', 0x66: 'false', 0x6e: 'null' };

/**
 * The syntax error json.Unmarshal reports (its scanner, byte by byte, checks the whole input first), or
 * undefined for valid JSON. Iterative, with an explicit stack, so deep nesting cannot overflow.
 */
export function goJsonSyntaxError(b: Uint8Array): string | undefined {
  type Parse = 'key' | 'value' | 'array';
  const stack: Parse[] = [];
  let state = 'begin';
  let literal = '';
  let pos = 0; // position inside a literal or a \u escape
  const bad = (c: number, context: string) => `invalid character ${quoteChar(c)} ${context}`;
  /** stateEndValue: what may follow a complete value; undefined = consumed. */
  const endValue = (c: number): string | undefined => {
    const top = stack[stack.length - 1];
    if (!top) {
      state = 'top';
      return isSpace(c) ? undefined : bad(c, 'after top-level value');
    }
    state = 'end';
    if (isSpace(c)) return undefined;
    if (top === 'key') {
      if (c !== 0x3a) return bad(c, 'after object key');
      stack[stack.length - 1] = 'value';
      state = 'begin';
    } else if (top === 'value') {
      if (c === 0x2c) {
        stack[stack.length - 1] = 'key';
        state = 'string';
      } else if (c === 0x7d) {
        stack.pop();
        state = stack.length ? 'end' : 'top';
      } else return bad(c, 'after object key:value pair');
    } else if (c === 0x2c) state = 'begin';
    else if (c === 0x5d) {
      stack.pop();
      state = stack.length ? 'end' : 'top';
    } else return bad(c, 'after array element');
    return undefined;
  };
  const step = (c: number): string | undefined => {
    switch (state) {
      case 'beginOrEmpty':
        if (isSpace(c)) return undefined;
        if (c === 0x5d) return endValue(c);
      // fallthrough
      case 'begin':
        if (isSpace(c)) return undefined;
        if (c === 0x7b) {
          stack.push('key');
          state = 'stringOrEmpty';
        } else if (c === 0x5b) {
          stack.push('array');
          state = 'beginOrEmpty';
        } else if (c === 0x22) state = 'inString';
        else if (c === 0x2d) state = 'neg';
        else if (c === 0x30) state = 'zero';
        else if (isDigit(c)) state = 'int';
        else if (LITERALS[c]) [state, literal, pos] = ['literal', LITERALS[c], 1];
        else return bad(c, 'looking for beginning of value');
        return undefined;
      case 'stringOrEmpty':
        if (isSpace(c)) return undefined;
        if (c === 0x7d) {
          stack[stack.length - 1] = 'value';
          return endValue(c);
        }
      // fallthrough
      case 'string':
        if (isSpace(c)) return undefined;
        if (c !== 0x22) return bad(c, 'looking for beginning of object key string');
        state = 'inString';
        return undefined;
      case 'inString':
        if (c === 0x22) state = 'end';
        else if (c === 0x5c) state = 'escape';
        else if (c < 0x20) return bad(c, 'in string literal');
        return undefined;
      case 'escape':
        if (c === 0x75) [state, pos] = ['unicode', 0];
        else if ('bfnrt\\/"'.includes(String.fromCharCode(c))) state = 'inString';
        else return bad(c, 'in string escape code');
        return undefined;
      case 'unicode':
        if (!isHex(c)) return bad(c, 'in \\u hexadecimal character escape');
        if (++pos === 4) state = 'inString';
        return undefined;
      case 'neg':
        if (c === 0x30) state = 'zero';
        else if (isDigit(c)) state = 'int';
        else return bad(c, 'in numeric literal');
        return undefined;
      case 'int':
        if (isDigit(c)) return undefined;
      // fallthrough
      case 'zero':
        if (c === 0x2e) state = 'dot';
        else if (c === 0x65 || c === 0x45) state = 'exp';
        else return endValue(c);
        return undefined;
      case 'dot':
        if (!isDigit(c)) return bad(c, 'after decimal point in numeric literal');
        state = 'fraction';
        return undefined;
      case 'fraction':
        if (isDigit(c)) return undefined;
        if (c === 0x65 || c === 0x45) state = 'exp';
        else return endValue(c);
        return undefined;
      case 'exp':
        if (c === 0x2b || c === 0x2d) {
          state = 'expSign';
          return undefined;
        }
      // fallthrough
      case 'expSign':
        if (!isDigit(c)) return bad(c, 'in exponent of numeric literal');
        state = 'expDigits';
        return undefined;
      case 'expDigits':
        return isDigit(c) ? undefined : endValue(c);
      case 'literal':
        if (c !== literal.charCodeAt(pos)) return bad(c, `in literal ${literal} (expecting ${quoteChar(literal.charCodeAt(pos))})`);
        if (++pos === literal.length) state = 'end';
        return undefined;
      case 'end':
        return endValue(c);
      default: // top
        return isSpace(c) ? undefined : bad(c, 'after top-level value');
    }
  };
  for (const c of b) {
    const err = step(c);
    if (err) return err;
  }
  // scanner.eof: a trailing space completes a number at the top level.
  if (state !== 'top' && (step(0x20) || state !== 'top')) return 'unexpected end of JSON input';
  return undefined;
}

/** json.Unmarshal into map[string]interface{}: the error text, or undefined. */
function jsonObjectError(bytes: Uint8Array): string | undefined {
  const syntax = goJsonSyntaxError(bytes);
  if (syntax) return syntax;
  const first = bytes.find((c) => !isSpace(c));
  if (first === 0x7b || first === 0x6e) return undefined;
  const kind = first === 0x5b ? 'array' : first === 0x22 ? 'string' : first === 0x74 || first === 0x66 ? 'bool' : 'number';
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

function dockerConfigErrors(data: Record<string, string>, key: string): FieldError[] {
  if (!(key in data)) return [required(`data[${key}]`)];
  const err = jsonObjectError(fromBase64(data[key] ?? ''));
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
