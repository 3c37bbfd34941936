import { describe, expect, it } from 'vitest';
import {
  NOTHING,
  SelectorError,
  fieldLabelNotSupported,
  labelSelectorRequirements,
  matchFieldRequirements,
  matchLabelRequirements,
  parseFieldSelector,
  parseLabelSelector,
  unknownFieldSelector,
} from '../../src/apiserver/selectors';

const LABEL_NAME_REGEX_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_REGEX_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function selectorError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorError);
    return (e as Error).message;
  }
  throw new Error('expected a SelectorError');
}

describe('parseLabelSelector', () => {
  it('parses every operator', () => {
    expect(parseLabelSelector('a=b')).toEqual([{ key: 'a', op: '=', values: ['b'] }]);
    expect(parseLabelSelector('a==b')).toEqual([{ key: 'a', op: '==', values: ['b'] }]);
    expect(parseLabelSelector('a!=b')).toEqual([{ key: 'a', op: '!=', values: ['b'] }]);
    expect(parseLabelSelector('a in (c,b)')).toEqual([{ key: 'a', op: 'in', values: ['b', 'c'] }]);
    expect(parseLabelSelector('a notin (b)')).toEqual([{ key: 'a', op: 'notin', values: ['b'] }]);
    expect(parseLabelSelector('a')).toEqual([{ key: 'a', op: 'exists', values: [] }]);
    expect(parseLabelSelector('!a')).toEqual([{ key: 'a', op: 'doesnotexist', values: [] }]);
    expect(parseLabelSelector('a>5')).toEqual([{ key: 'a', op: 'gt', values: ['5'] }]);
    expect(parseLabelSelector('a < 5')).toEqual([{ key: 'a', op: 'lt', values: ['5'] }]);
  });

  it('selects everything for an empty string', () => {
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('   ')).toEqual([]);
  });

  it('ignores whitespace and sorts requirements by key', () => {
    expect(parseLabelSelector(' tier in ( web , db ) ,\tapp = nginx ,  !canary')).toEqual([
      { key: 'app', op: '=', values: ['nginx'] },
      { key: 'canary', op: 'doesnotexist', values: [] },
      { key: 'tier', op: 'in', values: ['db', 'web'] },
    ]);
  });

  it('keeps empty values as upstream does', () => {
    expect(parseLabelSelector('x in (foo,,baz),y,z notin ()')).toEqual([
      { key: 'x', op: 'in', values: ['', 'baz', 'foo'] },
      { key: 'y', op: 'exists', values: [] },
      { key: 'z', op: 'notin', values: [''] },
    ]);
    expect(parseLabelSelector('a=')).toEqual([{ key: 'a', op: '=', values: [''] }]);
    expect(parseLabelSelector('a in (b,b)')).toEqual([{ key: 'a', op: 'in', values: ['b'] }]);
  });

  it('treats in and notin as identifiers where a key or value is expected', () => {
    expect(parseLabelSelector('in in (notin)')).toEqual([{ key: 'in', op: 'in', values: ['notin'] }]);
    expect(parseLabelSelector('example.com/tier')).toEqual([{ key: 'example.com/tier', op: 'exists', values: [] }]);
  });

  it('rejects bad syntax with the server messages', () => {
    expect(selectorError(() => parseLabelSelector('a in (b'))).toBe(
      "unable to parse requirement: found '', expected: ',' or ')'",
    );
    expect(selectorError(() => parseLabelSelector('a b'))).toBe(
      "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    );
    expect(selectorError(() => parseLabelSelector('a in b'))).toBe("unable to parse requirement: found 'b' expected: '('");
    expect(selectorError(() => parseLabelSelector('a in (=)'))).toBe(
      "unable to parse requirement: found '=', expected: ',', ')' or identifier",
    );
    expect(selectorError(() => parseLabelSelector('a!==b'))).toBe("unable to parse requirement: found '=', expected: identifier");
    expect(selectorError(() => parseLabelSelector('a=b c'))).toBe("found 'c', expected: ',' or 'end of string'");
    expect(selectorError(() => parseLabelSelector('a=b,'))).toBe("found '', expected: identifier after ','");
    expect(selectorError(() => parseLabelSelector(',a'))).toBe("found ',', expected: !, identifier, or 'end of string'");
    expect(selectorError(() => parseLabelSelector('!a=b'))).toBe("found '=', expected: ',' or 'end of string'");
  });

  it('validates keys and values as upstream does', () => {
    expect(selectorError(() => parseLabelSelector('-a=b'))).toBe(
      `unable to parse requirement: <nil>: Invalid value: "-a": name part ${LABEL_NAME_REGEX_MSG}`,
    );
    expect(selectorError(() => parseLabelSelector('a/b/c'))).toBe(
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key ${LABEL_NAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    expect(selectorError(() => parseLabelSelector('/a'))).toBe(
      'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty',
    );
    expect(selectorError(() => parseLabelSelector('a=-b'))).toBe(
      `unable to parse requirement: values[0][a]: Invalid value: "-b": ${LABEL_VALUE_REGEX_MSG}`,
    );
    const long = 'v'.repeat(64);
    expect(selectorError(() => parseLabelSelector(`a=${long}`))).toBe(
      `unable to parse requirement: values[0][a]: Invalid value: "${long}": must be no more than 63 bytes`,
    );
    expect(selectorError(() => parseLabelSelector('a>b'))).toBe(
      `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
  });
});

describe('matchLabelRequirements', () => {
  const labels = { app: 'web', tier: 'frontend', replicas: '3' };
  const match = (s: string, l: Record<string, string> | undefined = labels) => matchLabelRequirements(parseLabelSelector(s), l);

  it('matches equality operators', () => {
    expect(match('app=web')).toBe(true);
    expect(match('app==web,tier=frontend')).toBe(true);
    expect(match('app=db')).toBe(false);
    expect(match('app!=db')).toBe(true);
    expect(match('app!=web')).toBe(false);
  });

  it('lets != and notin match objects without the label, but not in', () => {
    expect(match('missing!=x')).toBe(true);
    expect(match('missing notin (x)')).toBe(true);
    expect(match('missing in (x)')).toBe(false);
    expect(match('missing=x')).toBe(false);
    expect(match('missing!=x', undefined)).toBe(true);
  });

  it('matches set, existence and numeric operators', () => {
    expect(match('tier in (backend,frontend)')).toBe(true);
    expect(match('tier notin (frontend)')).toBe(false);
    expect(match('app')).toBe(true);
    expect(match('!app')).toBe(false);
    expect(match('!missing')).toBe(true);
    expect(match('replicas>2')).toBe(true);
    expect(match('replicas>3')).toBe(false);
    expect(match('replicas<4')).toBe(true);
    expect(match('app>1')).toBe(false);
    expect(match('missing<4')).toBe(false);
  });

  it('matches everything with no requirements', () => {
    expect(matchLabelRequirements([], undefined)).toBe(true);
  });
});

describe('labelSelectorRequirements', () => {
  it('converts matchLabels and matchExpressions', () => {
    const reqs = labelSelectorRequirements({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'team', operator: 'Exists' },
      ],
    });
    expect(reqs).toEqual([
      { key: 'app', op: '=', values: ['web'] },
      { key: 'canary', op: 'doesnotexist', values: [] },
      { key: 'env', op: 'notin', values: ['prod'] },
      { key: 'team', op: 'exists', values: [] },
      { key: 'tier', op: 'in', values: ['a', 'b'] },
    ]);
    expect(matchLabelRequirements(reqs, { app: 'web', tier: 'b', team: 'x' })).toBe(true);
    expect(matchLabelRequirements(reqs, { app: 'web', tier: 'b', team: 'x', canary: '1' })).toBe(false);
  });

  it('selects everything for {} and nothing for a missing selector', () => {
    expect(labelSelectorRequirements({})).toEqual([]);
    expect(matchLabelRequirements(labelSelectorRequirements({}), { a: 'b' })).toBe(true);
    expect(labelSelectorRequirements(null)).toBe(NOTHING);
    expect(matchLabelRequirements(labelSelectorRequirements(undefined), {})).toBe(false);
    expect(matchLabelRequirements(labelSelectorRequirements(null), { a: 'b' })).toBe(false);
  });

  it('rejects bad operators, values and keys', () => {
    expect(selectorError(() => labelSelectorRequirements({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }))).toBe(
      '"Foo" is not a valid label selector operator',
    );
    expect(selectorError(() => labelSelectorRequirements({ matchExpressions: [{ key: 'a', operator: 'toString' }] }))).toBe(
      '"toString" is not a valid label selector operator',
    );
    expect(selectorError(() => labelSelectorRequirements({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }))).toBe(
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    );
    expect(
      selectorError(() => labelSelectorRequirements({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })),
    ).toBe('values: Invalid value: ["x"]: values set must be empty for exists and does not exist');
    expect(selectorError(() => labelSelectorRequirements({ matchLabels: { 'a b': 'c' } }))).toBe(
      `key: Invalid value: "a b": name part ${LABEL_NAME_REGEX_MSG}`,
    );
    expect(selectorError(() => labelSelectorRequirements({ matchLabels: { '-a': '-b' } }))).toBe(
      `[key: Invalid value: "-a": name part ${LABEL_NAME_REGEX_MSG}, values[0][-a]: Invalid value: "-b": ${LABEL_VALUE_REGEX_MSG}]`,
    );
  });
});

describe('parseFieldSelector', () => {
  it('parses =, == and != terms, sorted', () => {
    expect(parseFieldSelector('status.phase!=Running,metadata.name==web,spec.nodeName=node-1')).toEqual([
      { field: 'metadata.name', op: '==', value: 'web' },
      { field: 'spec.nodeName', op: '=', value: 'node-1' },
      { field: 'status.phase', op: '!=', value: 'Running' },
    ]);
    expect(parseFieldSelector('')).toEqual([]);
    expect(parseFieldSelector('spec.nodeName=')).toEqual([{ field: 'spec.nodeName', op: '=', value: '' }]);
  });

  it('unescapes \\, \\= and \\\\ in values', () => {
    expect(parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,x=y')).toEqual([
      { field: 'metadata.name', op: '=', value: 'a,b=c\\d' },
      { field: 'x', op: '=', value: 'y' },
    ]);
  });

  it('rejects bad syntax with the server messages', () => {
    expect(selectorError(() => parseFieldSelector('metadata.name'))).toBe(
      "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    );
    expect(selectorError(() => parseFieldSelector('a=b=c'))).toBe('invalid field selector: unescaped character in value: 61');
    expect(selectorError(() => parseFieldSelector('a=b\\x'))).toBe('invalid field selector: invalid escape sequence: \\x');
    expect(selectorError(() => parseFieldSelector('a=b\\'))).toBe('invalid field selector: invalid escape sequence: \\');
  });
});

describe('matchFieldRequirements', () => {
  const pod: Record<string, string | undefined> = { 'metadata.name': 'web', 'status.phase': 'Running', 'spec.nodeName': undefined };
  const match = (s: string) => matchFieldRequirements(parseFieldSelector(s), (f) => pod[f]);

  it('compares values, a missing field reading as ""', () => {
    expect(match('metadata.name=web')).toBe(true);
    expect(match('metadata.name=db')).toBe(false);
    expect(match('status.phase!=Running')).toBe(false);
    expect(match('status.phase!=Pending,metadata.name==web')).toBe(true);
    expect(match('spec.nodeName=')).toBe(true);
    expect(match('spec.nodeName!=')).toBe(false);
  });
});

describe('field label errors', () => {
  it('says what 1.35 says for unsupported fields', () => {
    expect(fieldLabelNotSupported('spec.foo')).toBe('field label not supported: spec.foo');
    expect(unknownFieldSelector('spec.foo')).toBe(
      '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });
});
