import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/apiserver/field-errors';
import {
  generateNameSuffix,
  generatedName,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateName,
  validateObjectMetaCreate,
  validateObjectMetaUpdate,
} from '../../src/apiserver/names';
import type { KubeObject, ResourceDef } from '../../src/resources/types';

const msgs = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.body}`);

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const def = (over: Partial<ResourceDef> = {}): ResourceDef => ({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  nameRule: 'subdomain',
  ...over,
});

const obj = (metadata: KubeObject['metadata']): KubeObject => ({ metadata });

describe('validateName', () => {
  it('DNS subdomain names', () => {
    expect(validateName('subdomain', 'web.example-1')).toEqual([]);
    expect(validateName('subdomain', 'My_App')).toEqual([SUBDOMAIN_MSG]);
    expect(validateName('subdomain', 'a'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });

  it('DNS-1123 labels, with the double space before "or"', () => {
    expect(validateName('label', '-abc')).toEqual([LABEL_MSG]);
    expect(validateName('label', 'a.b')).toEqual(['must not contain dots']);
    expect(validateName('label', 'a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });

  it('DNS-1035 labels', () => {
    expect(validateName('dns1035', '1abc')).toEqual([DNS1035_MSG]);
    expect(validateName('dns1035', 'svc-1')).toEqual([]);
  });

  it('path segment names', () => {
    expect(validateName('path', '.')).toEqual(["may not be '.'"]);
    expect(validateName('path', '..')).toEqual(["may not be '..'"]);
    expect(validateName('path', 'a/b%c')).toEqual(["may not contain '/'", "may not contain '%'"]);
    expect(validateName('path', 'system:admin')).toEqual([]);
    expect(validateName('path', '.', true)).toEqual([]);
  });

  it('tolerates a trailing dash in prefix (generateName) mode only', () => {
    expect(validateName('subdomain', 'web-', true)).toEqual([]);
    expect(validateName('subdomain', 'web-')).toEqual([SUBDOMAIN_MSG]);
    expect(validateName('label', 'Web-', true)).toEqual([LABEL_MSG]);
  });
});

describe('labels and annotations', () => {
  it('reports keys and values at metadata.labels', () => {
    expect(msgs(validateLabels({ 'a/b/c': 'x' }))).toEqual([
      `metadata.labels: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
    expect(msgs(validateLabels({ app: 'a'.repeat(64) }))).toEqual([
      `metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 bytes`,
    ]);
    expect(msgs(validateLabels({ app: 'bad value' }))).toEqual([
      `metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
    expect(validateLabels({ 'example.com/app': '', 'App_1.x': 'V-2' })).toEqual([]);
  });

  it('checks both parts of a prefixed key', () => {
    expect(msgs(validateLabels({ 'Example.com/-x': 'v' }))).toEqual([
      `metadata.labels: Invalid value: "Example.com/-x": prefix part ${SUBDOMAIN_MSG}`,
      `metadata.labels: Invalid value: "Example.com/-x": ${NAME_PART_MSG}`,
    ]);
    expect(msgs(validateLabels({ '/x': 'v', [`a/${'n'.repeat(64)}`]: 'v' }))).toEqual([
      'metadata.labels: Invalid value: "/x": prefix part must be non-empty',
      `metadata.labels: Invalid value: "a/${'n'.repeat(64)}": name part must be no more than 63 bytes`,
    ]);
  });

  it('annotation keys are case-insensitive and the total size is capped', () => {
    expect(validateAnnotations({ 'Example.COM/Key': 'x' })).toEqual([]);
    expect(msgs(validateAnnotations({ big: 'x'.repeat(262144) }))).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
    expect(validateAnnotations({ big: 'x'.repeat(262141) })).toEqual([]);
  });

  it('validates label selectors', () => {
    const sel = { matchExpressions: [{ key: 'tier', operator: 'In' }, { key: 'x', operator: 'Exists', values: ['a'] }, { key: 'y', operator: 'Is' }] };
    expect(msgs(validateLabelSelector(sel, 'spec.selector'))).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Is": not a valid selector operator',
    ]);
  });
});

describe('validateObjectMetaCreate', () => {
  it('requires a name and the right namespace scope', () => {
    expect(msgs(validateObjectMetaCreate(obj({}), def()))).toEqual([
      'metadata.name: Required value: name or generateName is required',
      'metadata.namespace: Required value',
    ]);
    expect(msgs(validateObjectMetaCreate(obj({ name: 'n1', namespace: 'default' }), def({ namespaced: false, nameRule: 'subdomain' })))).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
    expect(validateObjectMetaCreate(obj({ name: 'web', namespace: 'default' }), def())).toEqual([]);
  });

  it('validates name and generateName with the kind rule', () => {
    expect(msgs(validateObjectMetaCreate(obj({ name: 'Bad_x7k2p', generateName: 'Bad_', namespace: 'ns' }), def()))).toEqual([
      `metadata.generateName: Invalid value: "Bad_": ${SUBDOMAIN_MSG}`,
      `metadata.name: Invalid value: "Bad_x7k2p": ${SUBDOMAIN_MSG}`,
    ]);
    expect(msgs(validateObjectMetaCreate(obj({ name: 'web.v1', namespace: 'ns' }), def({ nameRule: 'dns1035' })))).toEqual([
      `metadata.name: Invalid value: "web.v1": ${DNS1035_MSG}`,
    ]);
  });

  it('rejects a negative generation and bad owner references', () => {
    const o = obj({
      name: 'x',
      namespace: 'ns',
      generation: -1,
      ownerReferences: [
        { apiVersion: '', kind: 'ReplicaSet', name: 'rs', uid: '1', controller: true },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs2', uid: '', controller: true },
      ],
    });
    expect(msgs(validateObjectMetaCreate(o, def()))).toEqual([
      'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
      'metadata.ownerReferences: Invalid value: [{"apiVersion":"","kind":"ReplicaSet","name":"rs","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs2","uid":"","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/rs and ReplicaSet/rs2',
    ]);
  });

  it('validates finalizer names', () => {
    const o = obj({ name: 'x', namespace: 'ns', finalizers: ['kubernetes', 'example.com/done', 'cleanup', 'orphan', 'foregroundDeletion'] });
    expect(msgs(validateObjectMetaCreate(o, def()))).toEqual([
      'metadata.finalizers: Invalid value: ["kubernetes","example.com/done","cleanup","orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
      'metadata.finalizers[2]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old = obj({ name: 'web', namespace: 'ns', uid: 'u1', generation: 3, creationTimestamp: '2024-01-01T00:00:00Z' });

  it('keeps identity fields immutable and generation monotonic', () => {
    const now = obj({ ...old.metadata, name: 'web2', uid: 'u2', generation: 2 });
    expect(msgs(validateObjectMetaUpdate(now, old))).toEqual([
      'metadata.generation: Invalid value: 2: must not be decremented',
      'metadata.name: Invalid value: "web2": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
    expect(validateObjectMetaUpdate(obj({ ...old.metadata, labels: { a: 'b' } }), old)).toEqual([]);
  });

  it('forbids new finalizers while deleting', () => {
    const deleting = obj({ ...old.metadata, deletionTimestamp: '2024-01-02T00:00:00Z', finalizers: ['example.com/a'] });
    const now = obj({ ...deleting.metadata, finalizers: ['example.com/c', 'example.com/a', 'example.com/b'] });
    expect(msgs(validateObjectMetaUpdate(now, deleting))).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b", "example.com/c"}',
    ]);
  });

  it('validates the labels of the new object', () => {
    expect(msgs(validateObjectMetaUpdate(obj({ ...old.metadata, labels: { 'a b': 'x' } }), old))[0]).toBe(
      `metadata.labels: Invalid value: "a b": ${NAME_PART_MSG}`,
    );
  });
});

describe('generated names', () => {
  it('draws 5 characters from the consonant/digit alphabet', () => {
    const seq = [0, 0.999, 0.5, 0.1, 0.75];
    let i = 0;
    expect(generateNameSuffix(() => seq[i++])).toBe('b9rd2');
    expect(generateNameSuffix()).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('cuts the prefix to 58 characters', () => {
    const name = generatedName('x'.repeat(70), () => 0);
    expect(name).toBe(`${'x'.repeat(58)}bbbbb`);
    expect(generatedName('web-', () => 0)).toBe('web-bbbbb');
  });
});
