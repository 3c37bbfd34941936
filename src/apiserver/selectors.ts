// Label and field selectors as the 1.35 API server parses and matches them
// (apimachinery pkg/labels/selector.go, pkg/fields/selector.go, pkg/api/validate/content).
import { aggregateMessage, invalid, type FieldError } from './field-errors';

/** A selector the server rejects; `message` is the text of the 400 BadRequest Status. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

export type LabelRequirement = {
  key: string;
  op: 'in' | 'notin' | 'exists' | 'doesnotexist' | '=' | '==' | '!=' | 'gt' | 'lt';
  values: string[];
};

export type FieldRequirement = { field: string; op: '=' | '==' | '!='; value: string };

// ---------------------------------------------------------------------------------------------
// Label key and value formats (content.IsLabelKey / IsLabelValue, 1.35 wording).

const LABEL_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_NAME_RE = new RegExp(`^${LABEL_NAME_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const LABEL_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** content.RegexError: "msg (e.g. 'a',  or 'b', regex used for validation is 're')". */
function regexError(msg: string, re: string, ...examples: string[]): string {
  const eg = examples.map((e, i) => `${i > 0 ? ' or ' : ''}'${e}', `).join('');
  return `${msg} (e.g. ${eg}regex used for validation is '${re}')`;
}

const byteLength = (s: string) => new TextEncoder().encode(s).length;

function subdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push('must be no more than 253 bytes');
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    const msg =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    errs.push(regexError(msg, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

/** content.IsLabelKey: the messages for an invalid label key (empty when valid). */
export function labelKeyErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) {
    const msg = regexError(`a valid label key ${LABEL_NAME_MSG}`, LABEL_NAME_FMT, 'MyName', 'my.name', '123-abc');
    return [`${msg} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const errs: string[] = [];
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    if (!parts[0]) errs.push('prefix part must be non-empty');
    else errs.push(...subdomainErrors(parts[0]).map((m) => `prefix part ${m}`));
  }
  if (!name) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push('name part must be no more than 63 bytes');
  if (!LABEL_NAME_RE.test(name)) {
    errs.push(`name part ${regexError(LABEL_NAME_MSG, LABEL_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/** content.IsLabelValue: the messages for an invalid label value (empty when valid). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push('must be no more than 63 bytes');
  if (!LABEL_VALUE_RE.test(value)) {
    const msg =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    errs.push(regexError(msg, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Requirements (labels.NewRequirement, Requirement.Matches).

/** strconv.ParseInt(s, 10, 64), or undefined when Go would fail. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/** NewRequirement's checks, in its order; paths are relative to a nil root as in Parse(). */
function requirementErrors(key: string, op: LabelRequirement['op'], values: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(invalid('key', key, keyErrs.join('; ')));
  const vals = values.length ? values : null; // Go hands NewRequirement a nil slice, rendered as null
  if ((op === 'in' || op === 'notin') && !values.length) {
    errs.push(invalid('values', vals, "for 'in', 'notin' operators, values set can't be empty"));
  } else if ((op === '=' || op === '==' || op === '!=') && values.length !== 1) {
    errs.push(invalid('values', vals, 'exact-match compatibility requires one single value'));
  } else if ((op === 'exists' || op === 'doesnotexist') && values.length) {
    errs.push(invalid('values', vals, 'values set must be empty for exists and does not exist'));
  } else if (op === 'gt' || op === 'lt') {
    if (values.length !== 1) {
      errs.push(invalid('values', vals, "for 'Gt', 'Lt' operators, exactly one value is required"));
    }
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined) {
        errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
    });
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs;
}

function newRequirement(key: string, op: LabelRequirement['op'], values: string[]): LabelRequirement {
  const errs = requirementErrors(key, op, values);
  if (errs.length) throw new SelectorError(aggregateMessage(errs));
  return { key, op, values };
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(labels[r.key]);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(labels[r.key]);
    case 'exists':
      return has;
    case 'doesnotexist':
      return !has;
    case 'gt':
    case 'lt': {
      const actual = has ? parseInt64(labels[r.key]) : undefined;
      const bound = r.values.length === 1 ? parseInt64(r.values[0]) : undefined;
      if (actual === undefined || bound === undefined) return false;
      return r.op === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** Selector.Matches: every requirement holds. */
export function matchLabelRequirements(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  return reqs.every((r) => requirementMatches(r, labels ?? {}));
}

const byKey = (a: LabelRequirement, b: LabelRequirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// The label selector parser (labels.Parse): a lexer, then a recursive-descent parser.

type Token = { tok: string; lit: string }; // tok: 'id', 'end', 'in', 'notin' or the operator literal

const SPECIAL = '=!(),><';
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) return [...out, { tok: 'end', lit: '' }];
    if (SPECIAL.includes(s[i])) {
      // The lexer takes the longest operator: only "!=" and "==" have two characters.
      const two = s.slice(i, i + 2);
      const lit = two === '!=' || two === '==' ? two : s[i];
      out.push({ tok: lit, lit });
      i += lit.length;
    } else {
      let j = i;
      while (j < s.length && !SPECIAL.includes(s[j]) && !isSpace(s[j])) j++;
      const lit = s.slice(i, j);
      out.push({ tok: lit === 'in' || lit === 'notin' ? lit : 'id', lit });
      i = j;
    }
  }
}

const OPERATORS: Record<string, LabelRequirement['op']> = {
  in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt',
};

class LabelParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  // Where values are expected, "in" and "notin" are plain identifiers ("x in (in)").
  private peek(values = true): Token {
    const t = this.tokens[this.pos];
    return values && (t.tok === 'in' || t.tok === 'notin') ? { tok: 'id', lit: t.lit } : t;
  }

  private next(values = true): Token {
    const t = this.peek(values);
    this.pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.tok === 'end') return reqs;
      if (t.tok !== 'id' && t.tok !== '!') {
        throw new SelectorError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      }
      reqs.push(this.requirement());
      const sep = this.next();
      if (sep.tok === 'end') return reqs;
      if (sep.tok !== ',') throw new SelectorError(`found '${sep.lit}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.tok !== 'id' && after.tok !== '!') {
        throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    try {
      return this.parseRequirement();
    } catch (e) {
      if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
  }

  private parseRequirement(): LabelRequirement {
    let t = this.next();
    const negated = t.tok === '!';
    if (negated) t = this.next();
    if (t.tok !== 'id') throw new SelectorError(`found '${t.lit}', expected: identifier`);
    const keyErrs = labelKeyErrors(t.lit);
    // The parser validates the key with a nil field path, which prints as "<nil>".
    if (keyErrs.length) throw new SelectorError(`<nil>: ${invalid('', t.lit, keyErrs.join('; ')).body}`);
    const after = this.peek().tok;
    if (negated) return newRequirement(t.lit, 'doesnotexist', []);
    if (after === 'end' || after === ',') return newRequirement(t.lit, 'exists', []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(t.lit, op, [...new Set(values)].sort());
  }

  private operator(): LabelRequirement['op'] {
    const t = this.next(false);
    const op = OPERATORS[t.tok];
    if (!op) throw new SelectorError(`found '${t.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    return op;
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new SelectorError(`found '${open.lit}' expected: '('`);
    const t = this.peek();
    if (t.tok === ')') {
      this.next();
      return [''];
    }
    if (t.tok !== 'id' && t.tok !== ',') throw new SelectorError(`found '${t.lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    this.next(); // the ')' identifierList stopped at
    return values;
  }

  /** A comma-separated list of possibly empty identifiers, up to (not including) ')'. */
  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.tok === 'id') {
        values.push(t.lit);
        const after = this.peek();
        if (after.tok === ')') return values;
        if (after.tok !== ',') throw new SelectorError(`found '${after.lit}', expected: ',' or ')'`);
      } else if (t.tok === ',') {
        // "(,a", "a,,b" and "a,)" each contribute an empty value.
        const after = this.peek().tok;
        if (!values.length || after === ',' || after === ')') values.push('');
        if (after === ')') return values;
      } else {
        throw new SelectorError(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.tok === 'end' || t.tok === ',') return [''];
    this.next();
    if (t.tok !== 'id') throw new SelectorError(`found '${t.lit}', expected: identifier`);
    return [t.lit];
  }
}

/** labels.Parse: the requirements of a `labelSelector` string, sorted by key; '' selects everything. */
export function parseLabelSelector(s: string): LabelRequirement[] {
  return new LabelParser(lex(s)).parse().sort(byKey);
}

/** Requirements that no label set satisfies: what labels.Nothing() selects. */
export const NOTHING: readonly LabelRequirement[] = Object.freeze([{ key: '', op: 'in', values: [] }]);

const EXPRESSION_OPERATORS: Record<string, LabelRequirement['op']> = {
  In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'doesnotexist',
};

type LabelSelector = {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
};

/**
 * metav1.LabelSelectorAsSelector: `{}` selects everything, while a missing (null) selector selects
 * nothing and yields NOTHING.
 */
export function labelSelectorRequirements(sel: LabelSelector | undefined | null): LabelRequirement[] {
  if (!sel) return NOTHING as LabelRequirement[];
  const reqs: LabelRequirement[] = [];
  for (const key of Object.keys(sel.matchLabels ?? {}).sort()) {
    reqs.push(newRequirement(key, '=', [sel.matchLabels![key]]));
  }
  for (const expr of sel.matchExpressions ?? []) {
    const op = Object.hasOwn(EXPRESSION_OPERATORS, expr.operator) ? EXPRESSION_OPERATORS[expr.operator] : undefined;
    if (!op) throw new SelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  return reqs.sort(byKey);
}

// ---------------------------------------------------------------------------------------------
// Field selectors (fields.ParseSelector).

/** Splits on commas that are not escaped; escapes stay in the terms. */
function splitTerms(s: string): string[] {
  if (!s) return [];
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  return [...terms, s.slice(start)];
}

/** The first operator in the term splits it; the field part has no escaping. */
function splitTerm(term: string): FieldRequirement | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, value: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are escapes; a bare `,` or `=` is an error. */
function unescapeValue(s: string): string {
  let out = '';
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. as its code point.
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.ParseSelector: the terms of a `fieldSelector` string, sorted as the server sorts them. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort()) {
    if (!part) continue;
    const req = splitTerm(part);
    if (!req) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
    reqs.push({ ...req, value: unescapeValue(req.value) });
  }
  return reqs;
}

/** Every term holds; a field whose getter returns undefined reads as "". */
export function matchFieldRequirements(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  return reqs.every((r) => ((get(r.field) ?? '') === r.value) === (r.op !== '!='));
}

/** 400 message for an unknown field from kinds with their own field label conversion (pods, nodes, events…). */
export function fieldLabelNotSupported(field: string): string {
  return `field label not supported: ${field}`;
}

/** 400 message for an unknown field from kinds that only know metadata.name / metadata.namespace. */
export function unknownFieldSelector(field: string): string {
  return `${JSON.stringify(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
}
