// Per-cluster caps and rate limits: configuration from env and pure checks (against what the store holds).
import { grOf, type ApiContext } from '../apiserver/context';
import { ApiError, forbidden } from '../apiserver/errors';
import type { Store } from './store';
import type { ResourceDef } from '../resources/types';

export interface Caps {
  /** stored JSON, summed over all objects (characters) */
  bytes: number;
  nodes: number;
  pods: number;
  /** concurrently open watch streams */
  watches: number;
  /** longest a watch stream stays open */
  watchSeconds: number;
  /** requests per second, and the burst the token bucket holds */
  rps: number;
  burst: number;
}

export type LimitVars = Partial<Record<
  'MAX_STORED_BYTES' | 'MAX_NODES' | 'MAX_PODS' | 'MAX_WATCHES' | 'WATCH_MAX_SECONDS' | 'CLUSTER_RPS' | 'CLUSTER_BURST',
  string
>>;

/** A positive number from an env var, else the default (a typo must not switch a limit off). */
export function envNumber(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function capsFromEnv(env: LimitVars): Caps {
  return {
    bytes: envNumber(env.MAX_STORED_BYTES, 64 * 1024 * 1024),
    nodes: envNumber(env.MAX_NODES, 20),
    pods: envNumber(env.MAX_PODS, 1000),
    watches: envNumber(env.MAX_WATCHES, 50),
    watchSeconds: envNumber(env.WATCH_MAX_SECONDS, 1800),
    rps: envNumber(env.CLUSTER_RPS, 50),
    burst: envNumber(env.CLUSTER_BURST, 100),
  };
}

/** A token bucket's state: tokens left at real time `at` (ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Takes one token. `retryAfterSeconds` is 0 when the request may go ahead, else when one token will be
 * there again (whole seconds, at least 1, as Retry-After carries).
 */
export function takeToken(b: Bucket | undefined, now: number, perSecond: number, burst: number): { bucket: Bucket; retryAfterSeconds: number } {
  const elapsed = b ? Math.max(0, now - b.at) / 1000 : 0;
  const tokens = b ? Math.min(burst, b.tokens + elapsed * perSecond) : burst;
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, retryAfterSeconds: 0 };
  return { bucket: { tokens, at: now }, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
}

/** The 429 a rate-limited API server answers (kubectl and client-go wait Retry-After and retry). */
export const tooManyRequests = (retryAfterSeconds: number, message = 'Too many requests, please try again later.') =>
  new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds });

const PODS = '/pods';
const NODES = '/nodes';

/** Which cap a new object would exceed, as the message of its 403; undefined when it fits. */
export function capExceeded(caps: Caps, usage: Pick<Store, 'bytes' | 'countOf'>, res: string): string | undefined {
  if (usage.bytes >= caps.bytes) return `exceeded the sandbox storage limit: this cluster may store at most ${caps.bytes} bytes of objects`;
  if (res === PODS && usage.countOf(PODS) >= caps.pods) return `exceeded the sandbox pod limit: this cluster may hold at most ${caps.pods} pods`;
  if (res === NODES && usage.countOf(NODES) >= caps.nodes) return `exceeded the sandbox node limit: this cluster may hold at most ${caps.nodes} nodes`;
  return undefined;
}

/** Refuses a create that a cap forbids (a 403 naming the cap); updates and deletes are never refused. */
export function checkCaps(ctx: ApiContext, def: ResourceDef, res: string, name: string) {
  const over = ctx.caps && capExceeded(ctx.caps, ctx.store, res);
  if (over) throw forbidden(grOf(def), name, over);
}

/** Refuses a watch beyond the cluster's concurrent-watch cap. */
export function checkWatchCap(ctx: ApiContext) {
  const max = ctx.caps?.watches;
  if (max !== undefined && ctx.hub.size >= max) {
    throw tooManyRequests(1, `Too many requests: this sandbox cluster allows at most ${max} concurrent watches`);
  }
}

export interface TtlBounds {
  minSeconds: number;
  maxSeconds: number;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A cluster lifetime: whole seconds (a number) or a duration such as "90m", "2h", "1h30m", "7d".
 * Returns seconds, or the message of a 400 when it is malformed or out of bounds.
 */
export function parseTtl(v: unknown, b: TtlBounds): number | string {
  let seconds: number;
  if (typeof v === 'number') seconds = v;
  else if (typeof v === 'string' && /^(\d+[smhd])+$/.test(v)) {
    seconds = 0;
    for (const [, n, unit] of v.matchAll(/(\d+)([smhd])/g)) seconds += Number(n) * UNIT_SECONDS[unit];
  } else return `ttl must be a number of seconds or a duration such as "30m", "2h" or "7d"`;
  if (!Number.isInteger(seconds) || seconds <= 0) return 'ttl must be a positive whole number of seconds';
  if (seconds < b.minSeconds) return `ttl must be at least ${b.minSeconds}s`;
  if (seconds > b.maxSeconds) return `ttl must be at most ${b.maxSeconds}s (${b.maxSeconds / 3600}h)`;
  return seconds;
}

