// Secret and ConfigMap decoding and validation (policy.md §5): base64 as encoding/json decodes []byte, the
// Go JSON errors of docker config secrets, type rules, immutability and size (strings as kubectl shows them).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/apiserver/errors';
import type { FieldError } from '../../src/apiserver/field-errors';
import { base64ErrorOffset, configmaps } from '../../src/resources/configmaps';
import { goJsonSyntaxError, secrets } from '../../src/resources/secrets';
import type { KubeObject, ResourceDef } from '../../src/resources/types';

const messages = (errs: FieldError[] | undefined) => (errs ?? []).map((e) => `${e.field}: ${e.body}`);
const b64 = (s: string) => btoa(s);

/** The object as the write path has it after decoding and defaulting (kind is set before `defaults`). */
function decoded(def: ResourceDef, fields: Record<string, any>): KubeObject {
  const o: KubeObject = { apiVersion: 'v1', kind: def.kind, metadata: { name: 's', namespace: 'default' }, ...fields };
  def.defaults?.(o);
  return o;
}

function decodeError(def: ResourceDef, fields: Record<string, any>): { code: number; message: string } | undefined {
  try {
    decoded(def, fields);
    return undefined;
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
}

const validate = (fields: Record<string, any>) => messages(secrets.validate!(decoded(secrets, fields)));

describe('base64 as encoding/json decodes []byte', () => {
  it('finds the byte base64.StdEncoding reports', () => {
    expect(base64ErrorOffset('aHVudGVyMg==')).toBe(-1);
    expect(base64ErrorOffset('')).toBe(-1);
    expect(base64ErrorOffset('YW\nJj\r\n')).toBe(-1);
    expect(base64ErrorOffset('hunter2')).toBe(4); // unpadded: the last quantum is short
    expect(base64ErrorOffset('YWJj!')).toBe(4);
    expect(base64ErrorOffset('a')).toBe(0);
    expect(base64ErrorOffset('=')).toBe(0);
    expect(base64ErrorOffset('YQ=')).toBe(3); // "==" expected
    expect(base64ErrorOffset('YQ=x')).toBe(2);
    expect(base64ErrorOffset('YQ==YQ==')).toBe(4); // nothing may follow padding
    expect(base64ErrorOffset('YW Jj')).toBe(2);
    expect(base64ErrorOffset('é')).toBe(0);
  });

  it('refuses bad data with 400 and the decoder error, and writes data back canonically', () => {
    expect(decodeError(secrets, { data: { password: 'hunter2' } })).toEqual({
      code: 400,
      message: 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4',
    });
    expect(decodeError(secrets, { data: { n: 12 } })).toEqual({
      code: 400,
      message: 'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.data of type []uint8',
    });
    expect(decodeError(configmaps, { binaryData: { bin: 'AAA' } })).toEqual({
      code: 400,
      message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 0',
    });
    expect(decoded(secrets, { data: { a: 'YW\nJj', b: 'YR==', c: null } }).data).toEqual({ a: 'YWJj', b: 'YQ==', c: '' });
  });

  it('checks data before stringData overwrites it, as decoding precedes conversion', () => {
    expect(decodeError(secrets, { data: { a: '!' }, stringData: { a: 'fine' } })?.code).toBe(400);
  });
});

describe('Secret', () => {
  it('defaults the type, folds stringData into data (UTF-8) and never keeps stringData', () => {
    const s = decoded(secrets, { data: { a: b64('old'), keep: b64('k') }, stringData: { a: 'new', 'ü': 'grüße' } });
    expect(s.type).toBe('Opaque');
    expect(s.data).toEqual({ a: b64('new'), keep: b64('k'), 'ü': 'Z3LDvMOfZQ==' });
    expect(s).not.toHaveProperty('stringData');
  });

  it('validates keys and the 1 MiB limit on the decoded bytes', () => {
    expect(validate({ data: { 'a b': '' } })).toEqual([
      `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
    expect(validate({ stringData: { '..': 'x' } })).toEqual([`data[..]: Invalid value: "..": must not be '..'`]);
    expect(validate({ stringData: { big: 'x'.repeat(1024 * 1024) } })).toEqual([]);
    expect(validate({ stringData: { big: 'x'.repeat(1024 * 1024), more: 'y' } })).toEqual(['data: Too long: may not be more than 1048576 bytes']);
  });

  it('applies the rules of each type', () => {
    expect(validate({ type: 'Opaque' })).toEqual([]);
    expect(validate({ type: 'bootstrap.kubernetes.io/token' })).toEqual([]);
    expect(validate({ type: 'example.com/custom' })).toEqual([]);
    expect(validate({ type: 'kubernetes.io/service-account-token' })).toEqual(['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
    expect(validate({ type: 'kubernetes.io/service-account-token', metadata: { name: 's', annotations: { 'kubernetes.io/service-account.name': 'default' } } })).toEqual([]);
    expect(validate({ type: 'kubernetes.io/dockercfg' })).toEqual(['data[.dockercfg]: Required value']);
    expect(validate({ type: 'kubernetes.io/dockercfg', stringData: { '.dockercfg': '{"r":{}}' } })).toEqual([]);
    expect(validate({ type: 'kubernetes.io/dockerconfigjson' })).toEqual(['data[.dockerconfigjson]: Required value']);
    expect(validate({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'xyz' } })).toEqual([
      `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'x' looking for beginning of value`,
    ]);
    expect(validate({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '[]' } })).toEqual([
      `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}`,
    ]);
    expect(validate({ type: 'kubernetes.io/basic-auth' })).toEqual(['data[username]: Required value', 'data[password]: Required value']);
    expect(validate({ type: 'kubernetes.io/basic-auth', stringData: { password: '' } })).toEqual([]);
    expect(validate({ type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': '' } })).toEqual(['data[ssh-privatekey]: Required value']);
    expect(validate({ type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': 'k' } })).toEqual([]);
    expect(validate({ type: 'kubernetes.io/tls' })).toEqual(['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
    expect(validate({ type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } })).toEqual([]);
  });

  it('keeps the type, and immutable data, fixed on update', () => {
    const old = decoded(secrets, { type: 'kubernetes.io/tls', immutable: true, data: { 'tls.crt': '', 'tls.key': '' } });
    const update = (fields: Record<string, any>) => messages(secrets.validateUpdate!(decoded(secrets, fields), old));
    expect(update({ type: 'kubernetes.io/tls', immutable: true, data: { 'tls.crt': '', 'tls.key': '' }, metadata: { name: 's', labels: { a: 'b' } } })).toEqual([]);
    expect(update({ type: 'kubernetes.io/tls', immutable: true, stringData: { 'tls.crt': 'x', 'tls.key': '' } })).toEqual([
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    expect(update({ type: 'kubernetes.io/tls', immutable: false, data: { 'tls.crt': '', 'tls.key': '' } })).toEqual([
      'immutable: Forbidden: field is immutable when `immutable` is set',
    ]);
    expect(update({ immutable: true, data: { 'tls.crt': '', 'tls.key': '' } })).toEqual(['type: Invalid value: "Opaque": field is immutable']);
  });
});

describe('ConfigMap', () => {
  const cm = (fields: Record<string, any>) => messages(configmaps.validate!(decoded(configmaps, fields)));

  it('refuses keys in both data and binaryData, bad keys, and more than 1 MiB in all', () => {
    expect(cm({ data: { k: 'v' }, binaryData: { k: 'AA==' } })).toEqual(['data[k]: Invalid value: "k": duplicate of key present in binaryData']);
    expect(cm({ binaryData: { 'a/b': 'AA==' } })[0]).toMatch(/^binaryData\[a\/b\]: Invalid value: "a\/b": a valid config key/);
    expect(cm({ data: { a: 'x'.repeat(1024 * 1024 - 1) }, binaryData: { b: 'AA==' } })).toEqual([]);
    expect(cm({ data: { a: 'x'.repeat(1024 * 1024) }, binaryData: { b: 'AA==' } })).toEqual(['[]: Too long: may not be more than 1048576 bytes']);
  });

  it('freezes data, binaryData and immutable itself once immutable', () => {
    const old = decoded(configmaps, { immutable: true, data: { a: '1' }, binaryData: { b: 'AA==' } });
    const update = (fields: Record<string, any>) => messages(configmaps.validateUpdate!(decoded(configmaps, fields), old));
    expect(update({ immutable: true, data: { a: '1' }, binaryData: { b: 'AA==' } })).toEqual([]);
    expect(update({ immutable: true, data: { a: '1' }, binaryData: { b: 'AQ==' } })).toEqual(['binaryData: Forbidden: field is immutable when `immutable` is set']);
    expect(update({ data: { a: '2' }, binaryData: { b: 'AA==' } })).toEqual([
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
});

describe("Go's JSON scanner errors", () => {
  const err = (s: string) => goJsonSyntaxError(new TextEncoder().encode(s));

  it('accepts valid JSON of any shape and depth', () => {
    for (const ok of ['{}', ' {"a": [1, -0.5e+3, true, false, null, "x\\u00e9\\n"]} ', '0', '"s"', '[[[]]]']) expect(err(ok)).toBeUndefined();
    expect(err('['.repeat(200_000) + ']'.repeat(200_000))).toBeUndefined();
  });

  it('reports the first bad byte as encoding/json does', () => {
    expect(err('')).toBe('unexpected end of JSON input');
    expect(err('{"a":')).toBe('unexpected end of JSON input');
    expect(err('1.')).toBe('unexpected end of JSON input');
    expect(err('xyz')).toBe("invalid character 'x' looking for beginning of value");
    expect(err('{a:1}')).toBe("invalid character 'a' looking for beginning of object key string");
    expect(err('{"a" 1}')).toBe("invalid character '1' after object key");
    expect(err('{"a":1 "b":2}')).toBe(`invalid character '"' after object key:value pair`);
    expect(err('[1 2]')).toBe("invalid character '2' after array element");
    expect(err('{} x')).toBe("invalid character 'x' after top-level value");
    expect(err('01')).toBe("invalid character '1' after top-level value");
    expect(err('-x')).toBe("invalid character 'x' in numeric literal");
    expect(err('1.x')).toBe("invalid character 'x' after decimal point in numeric literal");
    expect(err('1e+x')).toBe("invalid character 'x' in exponent of numeric literal");
    expect(err('trux')).toBe("invalid character 'x' in literal true (expecting 'e')");
    expect(err('"a\\qb"')).toBe("invalid character 'q' in string escape code");
    expect(err('"\\u12x4"')).toBe("invalid character 'x' in \\u hexadecimal character escape");
    expect(err('"a\nb"')).toBe("invalid character '\\n' in string literal");
    expect(err("{'a':1}")).toBe("invalid character '\\'' looking for beginning of object key string");
  });
});
