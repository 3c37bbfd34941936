// Field errors as Kubernetes renders them (apimachinery pkg/util/validation/field/errors.go, 1.35).
// `body` is ErrorBody(): what follows "<field>: " in a message and what a Status cause carries.

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueForbidden'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound'
  | 'InternalError';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  body: string;
}

/** 1.35 value rendering: strings %q, numbers and booleans %v, everything else JSON. */
export function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

export const required = (field: string, detail = ''): FieldError => ({
  type: 'FieldValueRequired',
  field,
  body: detail ? `Required value: ${detail}` : 'Required value',
});

export const forbidden = (field: string, detail: string): FieldError => ({
  type: 'FieldValueForbidden',
  field,
  body: `Forbidden: ${detail}`,
});

export const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  body: detail ? `Invalid value: ${renderValue(value)}: ${detail}` : `Invalid value: ${renderValue(value)}`,
});

export const notSupported = (field: string, value: unknown, valid: string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  body: valid.length
    ? `Unsupported value: ${renderValue(value)}: supported values: ${valid.map((s) => JSON.stringify(s)).join(', ')}`
    : `Unsupported value: ${renderValue(value)}`,
});

export const duplicate = (field: string, value: unknown): FieldError => ({
  type: 'FieldValueDuplicate',
  field,
  body: `Duplicate value: ${renderValue(value)}`,
});

export const notFound = (field: string, value: unknown): FieldError => ({
  type: 'FieldValueNotFound',
  field,
  body: `Not found: ${renderValue(value)}`,
});

export const tooLong = (field: string, max: number): FieldError => ({
  type: 'FieldValueTooLong',
  field,
  body: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`,
});

export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field,
  body: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
});

/** "<field>: <body>" joined the way ToAggregate() does: one error bare, several in [a, b] with duplicates dropped. */
export function aggregateMessage(errors: FieldError[]): string {
  const seen = [...new Set(errors.map((e) => `${e.field}: ${e.body}`))];
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}
