// Name, label, annotation and ObjectMeta validation with the Kubernetes 1.35 messages
// (apimachinery pkg/util/validation, pkg/api/validate/content, pkg/api/validation/objectmeta.go,
// and the core finalizer-name rule of pkg/apis/core/validation).
import { forbidden, invalid, required, tooLong, type FieldError } from './field-errors';
import { labelKeyErrors, labelValueErrors } from './selectors';
import type { KubeObject, NameRule, ResourceDef } from '../resources/types';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';

const whole = (re: string) => new RegExp(`^${re}$`);
const dns1123LabelRe = whole(DNS1123_LABEL);
const dns1123SubdomainRe = whole(DNS1123_SUBDOMAIN);
const dns1035LabelRe = whole(DNS1035_LABEL);

/** RegexError: note the double space before `or`, an artefact of the upstream formatting. */
export function regexError(msg: string, re: string, ...examples: string[]): string {
  if (!examples.length) return `${msg} (regex used for validation is '${re}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${re}')`;
}

/** Length in bytes, as Go's len(string). */
const byteLength = (s: string) => new TextEncoder().encode(s).length;

// pkg/util/validation keeps "characters" (label keys and values say "bytes" in 1.35, see selectors.ts).
const maxLenChars = (n: number) => `must be no more than ${n} characters`;

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenChars(63));
  if (!dns1123LabelRe.test(value)) {
    errs.push(
      dns1123SubdomainRe.test(value)
        ? 'must not contain dots'
        : regexError(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            DNS1123_LABEL,
            'my-name',
            '123-abc',
          ),
    );
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenChars(253));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        'example.com',
      ),
    );
  }
  return errs;
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenChars(63));
  if (!dns1035LabelRe.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errs;
}

/** IsQualifiedName (label keys, annotation keys, finalizers) and label values: content.IsLabelKey/IsLabelValue. */
export const isQualifiedName = labelKeyErrors;
export const isLabelValue = labelValueErrors;

/** Path-segment rules (rest.ValidatePathSegmentName): the check for kinds without a stricter rule. */
function isPathSegmentName(name: string, prefix: boolean): string[] {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/** maskTrailingDash: a generateName prefix may end in '-' (upstream replaces the last two characters by "a"). */
const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name);

/** The messages of the kind's name function; `prefix` validates a generateName. */
export function validateName(rule: NameRule, name: string, prefix = false): string[] {
  if (rule === 'path') return isPathSegmentName(name, prefix);
  const value = prefix ? maskTrailingDash(name) : name;
  if (rule === 'label') return isDNS1123Label(value);
  if (rule === 'dns1035') return isDNS1035Label(value);
  return isDNS1123Subdomain(value);
}

export function validateLabels(labels: Record<string, string> | undefined, field = 'metadata.labels'): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(field, k, msg));
    for (const msg of isLabelValue(String(v))) errs.push(invalid(field, v, msg));
  }
  return errs;
}

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

export function validateAnnotations(annotations: Record<string, string> | undefined, field = 'metadata.annotations'): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys are qualified names, case-insensitively.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, msg));
    size += byteLength(k) + byteLength(String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE));
  return errs;
}

/** metav1 ValidateLabelSelector (strict: values must be valid label values). */
export function validateLabelSelector(sel: any, field: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((req: any, i: number) => {
    const path = `${field}.matchExpressions[${i}]`;
    const values: string[] = req.values ?? [];
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (!values.length) errs.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (values.length) errs.push(forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(invalid(`${path}.operator`, req.operator ?? '', 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(req.key ?? '')) errs.push(invalid(`${path}.key`, req.key ?? '', msg));
    values.forEach((v, j) => {
      for (const msg of isLabelValue(v)) errs.push(invalid(`${path}.values[${j}]`, v, msg));
    });
  });
  return errs;
}

/** An owner reference with Go's field order, for error values. */
const ownerRefValue = (r: any) => {
  const out: Record<string, unknown> = { apiVersion: r.apiVersion ?? '', kind: r.kind ?? '', name: r.name ?? '', uid: r.uid ?? '' };
  if (r.controller !== undefined) out.controller = r.controller;
  if (r.blockOwnerDeletion !== undefined) out.blockOwnerDeletion = r.blockOwnerDeletion;
  return out;
};

/** The version of an apiVersion, '' when it does not parse (schema.FromAPIVersionAndKind). */
function versionOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length > 2) return '';
  return parts[parts.length - 1];
}

export function validateOwnerReferences(refs: any[] | undefined, field = 'metadata.ownerReferences'): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion ?? '';
    if (!versionOf(apiVersion)) errs.push(invalid(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    for (const key of ['kind', 'name', 'uid'] as const) {
      if (!ref[key]) errs.push(invalid(`${field}.${key}`, ref[key] ?? '', 'must not be empty'));
    }
    if (apiVersion === 'v1' && ref.kind === 'Event') errs.push(invalid(field, ownerRefValue(ref), '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const current = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      if (firstController) {
        errs.push(
          invalid(
            field,
            refs!.map(ownerRefValue),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else firstController = current;
    }
  }
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** Finalizers: qualified names, orphan/foregroundDeletion exclusive, and the core "fully qualified" rule. */
export function validateFinalizers(finalizers: string[] | undefined, field = 'metadata.finalizers'): FieldError[] {
  const list = finalizers ?? [];
  const errs: FieldError[] = [];
  for (const f of list) for (const msg of isQualifiedName(f)) errs.push(invalid(field, f, msg));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(field, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  list.forEach((f, i) => {
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(`${field}[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

/** Labels, annotations, owner references and finalizers: checked on create and on update. */
function validateMetaContent(obj: KubeObject): FieldError[] {
  const m = obj.metadata ?? {};
  return [
    ...validateLabels(m.labels),
    ...validateAnnotations(m.annotations),
    ...validateOwnerReferences(m.ownerReferences),
    ...validateFinalizers(m.finalizers),
  ];
}

function validateNamespace(obj: KubeObject, def: ResourceDef): FieldError[] {
  const ns = obj.metadata.namespace;
  if (!def.namespaced) return ns ? [forbidden('metadata.namespace', 'not allowed on this type')] : [];
  if (!ns) return [required('metadata.namespace')];
  return isDNS1123Label(ns).map((msg) => invalid('metadata.namespace', ns, msg));
}

/** ValidateObjectMeta on create (after name generation), with the kind's name rule. */
export function validateObjectMetaCreate(obj: KubeObject, def: ResourceDef): FieldError[] {
  const m = obj.metadata ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of validateName(def.nameRule, m.generateName, true)) errs.push(invalid('metadata.generateName', m.generateName, msg));
  }
  if (!m.name) errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const msg of validateName(def.nameRule, m.name)) errs.push(invalid('metadata.name', m.name, msg));
  errs.push(...validateNamespace(obj, def));
  if ((m.generation ?? 0) < 0) errs.push(invalid('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  return [...errs, ...validateMetaContent(obj)];
}

const IMMUTABLE_META = ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/** ValidateObjectMetaUpdate: immutable fields, generation, finalizers while deleting, content of the new object. */
export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const m = obj.metadata ?? {};
  const o = old.metadata ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const added = [...new Set(m.finalizers ?? [])].filter((f) => !(o.finalizers ?? []).includes(f)).sort();
    if (added.length) {
      errs.push(
        forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  if ((m.generation ?? 0) < (o.generation ?? 0)) errs.push(invalid('metadata.generation', m.generation ?? 0, 'must not be decremented'));
  for (const key of IMMUTABLE_META) {
    if (m[key] !== o[key]) errs.push(invalid(`metadata.${key}`, m[key], 'field is immutable'));
  }
  return [...errs, ...validateMetaContent(obj)];
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The 5-character suffix of names.SimpleNameGenerator (no vowels, no 0/1/3). */
export function generateNameSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)];
  return s;
}

/** generateName → name: the prefix cut to 58 characters, plus the random suffix. */
export function generatedName(prefix: string, random?: () => number): string {
  return prefix.slice(0, 58) + generateNameSuffix(random);
}
