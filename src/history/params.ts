// Query parameters of the history API, checked completely: anything malformed is a 400 naming the parameter.
import { badRequest } from '../apiserver/errors';
import type { ChangeType } from '../durable/store';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CONTINUE_PREFIX = 'h1:';

/** The revision types a write verb produces. */
export const VERB_TYPES: Record<string, ChangeType[]> = { create: ['ADDED'], update: ['MODIFIED'], patch: ['MODIFIED'], delete: ['DELETED'] };
/** The verbs of resource requests, and the lower-cased methods of non-resource ones. */
const AUDIT_VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'post', 'put', 'head', 'options']);

export interface Page {
  limit: number;
  /** the page starts after this resourceVersion (revisions) or sequence number (audit) */
  after?: number;
}

export interface Window {
  since?: number;
  until?: number;
}

export interface HistoryQuery extends Page, Window {
  resource?: string;
  namespace?: string;
  name?: string;
  types?: ChangeType[];
}

export interface AuditQuery extends Page, Window {
  user?: string;
  verb?: string;
  resource?: string;
}

export type AsOf = { rv: number } | { time: number };

export const encodeContinue = (after: number) => btoa(CONTINUE_PREFIX + after);

function decodeContinue(token: string): number {
  let text = '';
  try {
    text = atob(token);
  } catch {
    // not base64: reported below
  }
  const n = text.startsWith(CONTINUE_PREFIX) ? Number(text.slice(CONTINUE_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`continue: invalid token "${token}"; use the metadata.continue of the previous page`);
  return n;
}

/** An RFC 3339 time in ms since the epoch. */
export function parseTime(param: string, value: string): number {
  const t = RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw badRequest(`${param}: "${value}" is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)`);
  return t;
}

/** The parameters present, after refusing any not in `allowed` (a typo would otherwise silently match everything). */
function known(q: URLSearchParams, allowed: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of q) {
    if (!allowed.includes(k)) throw badRequest(`unknown parameter "${k}"; this endpoint accepts ${allowed.join(', ')}`);
    if (out.has(k)) throw badRequest(`${k}: given more than once`);
    out.set(k, v);
  }
  return out;
}

function page(p: Map<string, string>): Page {
  const raw = p.get('limit');
  let limit = DEFAULT_LIMIT;
  if (raw !== undefined) {
    limit = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) throw badRequest(`limit: "${raw}" is not a whole number from 1 to ${MAX_LIMIT}`);
  }
  const token = p.get('continue');
  return token === undefined ? { limit } : { limit, after: decodeContinue(token) };
}

function timeWindow(p: Map<string, string>): Window {
  const since = p.has('since') ? parseTime('since', p.get('since')!) : undefined;
  const until = p.has('until') ? parseTime('until', p.get('until')!) : undefined;
  if (since !== undefined && until !== undefined && since > until) throw badRequest('since is later than until');
  return { since, until };
}

/** A resource as `plural` or `plural.group`: `pods`, `deployments.apps`. */
export function parseResource(value: string): string {
  if (!RESOURCE.test(value)) throw badRequest(`resource: "${value}" is not a resource name like pods or deployments.apps`);
  return value;
}

/** A namespace or object name: a non-empty path segment. */
export function parseName(param: string, value: string): string {
  if (!value || value.length > 253 || /[/\s]/.test(value)) throw badRequest(`${param}: "${value}" is not a valid name`);
  return value;
}

function nonEmpty(p: Map<string, string>, k: string): string | undefined {
  const v = p.get(k);
  if (v === '') throw badRequest(`${k}: must not be empty`);
  return v;
}

export function parseHistoryQuery(q: URLSearchParams): HistoryQuery {
  const p = known(q, ['resource', 'namespace', 'name', 'verb', 'since', 'until', 'limit', 'continue']);
  const out: HistoryQuery = { ...page(p), ...timeWindow(p) };
  const resource = nonEmpty(p, 'resource');
  if (resource !== undefined) out.resource = parseResource(resource);
  for (const k of ['namespace', 'name'] as const) {
    const v = nonEmpty(p, k);
    if (v !== undefined) out[k] = parseName(k, v);
  }
  const verb = p.get('verb');
  if (verb !== undefined) {
    if (!VERB_TYPES[verb]) throw badRequest(`verb: "${verb}" is not one of ${Object.keys(VERB_TYPES).join(', ')}`);
    out.types = VERB_TYPES[verb];
  }
  return out;
}

export function parseAuditQuery(q: URLSearchParams): AuditQuery {
  const p = known(q, ['user', 'verb', 'resource', 'since', 'until', 'limit', 'continue']);
  const out: AuditQuery = { ...page(p), ...timeWindow(p) };
  const user = nonEmpty(p, 'user');
  if (user !== undefined) out.user = user;
  const verb = p.get('verb');
  if (verb !== undefined) {
    if (!AUDIT_VERBS.has(verb)) throw badRequest(`verb: "${verb}" is not one of ${[...AUDIT_VERBS].join(', ')}`);
    out.verb = verb;
  }
  const resource = nonEmpty(p, 'resource');
  if (resource !== undefined) out.resource = parseResource(resource);
  return out;
}

/** The parameters of one object's history: a page of revisions, or `asOf` (a time or a resourceVersion). */
export function parseObjectQuery(q: URLSearchParams): Page & { asOf?: AsOf } {
  const p = known(q, ['asOf', 'limit', 'continue']);
  const out: Page & { asOf?: AsOf } = page(p);
  const asOf = p.get('asOf');
  if (asOf !== undefined) {
    if (/^\d+$/.test(asOf) && Number.isSafeInteger(Number(asOf))) out.asOf = { rv: Number(asOf) };
    else if (RFC3339.test(asOf)) out.asOf = { time: parseTime('asOf', asOf) };
    else throw badRequest(`asOf: "${asOf}" is neither an RFC 3339 time nor a resourceVersion`);
  }
  return out;
}
