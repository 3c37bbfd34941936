// Cluster lifecycle: sign-up options (ttl, preset), the sign-up rate limit per client address, the D1
// registry's view of ended clusters, and the owner's endpoints at /v1/clusters/<id> (info, extend, reset, delete).
import { ApiError, badRequest, methodNotAllowed, statusResponse } from '../apiserver/errors';
import { readBody } from '../apiserver/body';
import { json } from '../apiserver/reads';
import { clientAddress } from '../apiserver/request';
import { envNumber, parseTtl, tooManyRequests, type TtlBounds } from '../durable/limits';
import type { Cluster } from '../durable/cluster';
import { DEFAULT_PRESET, PRESET_NAMES, isPreset } from '../presets/presets';
import type { Env } from '../env';

export const ttlBounds = (env: Env): TtlBounds => ({
  minSeconds: envNumber(env.CLUSTER_TTL_MIN_SECONDS, 300),
  maxSeconds: envNumber(env.CLUSTER_TTL_MAX_HOURS, 168) * 3600,
});

export const defaultTtlSeconds = (env: Env) => envNumber(env.CLUSTER_TTL_HOURS, 24) * 3600;

/** A JSON object body, or {} when there is none. */
async function bodyObject(req: Request, accepted: string): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest(`the body must be a JSON object: ${accepted}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the body must be a JSON object: ${accepted}`);
  const unknown = Object.keys(body).filter((k) => !accepted.includes(`"${k}"`));
  if (unknown.length) throw badRequest(`unknown field "${unknown[0]}": the body accepts ${accepted}`);
  return body as Record<string, unknown>;
}

export function ttlOf(env: Env, v: unknown): number {
  if (v === undefined) return defaultTtlSeconds(env);
  const ttl = parseTtl(v, ttlBounds(env));
  if (typeof ttl === 'string') throw badRequest(ttl);
  return ttl;
}

export interface SignupOptions {
  ttlSeconds: number;
  preset: string;
}

/** POST /v1/clusters's optional body: {"ttl": "2h" | seconds, "preset": "empty" | "guestbook" | …}. */
export async function signupOptions(req: Request, env: Env): Promise<SignupOptions> {
  const body = await bodyObject(req, '{"ttl": "2h" | seconds, "preset": name}');
  const preset = body.preset ?? DEFAULT_PRESET;
  if (!isPreset(preset)) throw badRequest(`unknown preset ${JSON.stringify(preset)}: valid presets are ${PRESET_NAMES.map((p) => `"${p}"`).join(', ')}`);
  return { ttlSeconds: ttlOf(env, body.ttl), preset };
}

/** Takes one sign-up from the client's bucket; a 429 when it is empty. */
export async function limitSignup(env: Env, headers: Headers): Promise<void> {
  const address = clientAddress(headers);
  const limiter = env.SIGNUP_LIMITER.get(env.SIGNUP_LIMITER.idFromName(address));
  const wait = await limiter.take(envNumber(env.SIGNUP_RATE_PER_MINUTE, 10), envNumber(env.SIGNUP_BURST, 5));
  if (wait > 0) throw tooManyRequests(wait, `Too many requests: at most ${envNumber(env.SIGNUP_RATE_PER_MINUTE, 10)} sign-ups per minute from one address, please try again later.`);
}

/** Why a cluster with no Durable Object state answers as it does: deleted or never created (404), else expired (410). */
/** A cluster id that never existed, or whose cluster was deleted. */
export const clusterNotFound = (id: string) => new ApiError(404, 'NotFound', `cluster "${id}" not found`, { name: id, kind: 'clusters' });

export async function endedClusterResponse(db: D1Database, id: string): Promise<Response> {
  const row = await db.prepare('SELECT deleted_at FROM clusters WHERE id = ?').bind(id).first<{ deleted_at: number | null }>();
  if (!row || row.deleted_at !== null) return statusResponse(clusterNotFound(id));
  return statusResponse(new ApiError(410, 'Gone', `cluster "${id}" has expired`, { name: id, kind: 'clusters' }));
}

/** Records an ended cluster in the registry and drops its history (the row stays: it decides 404 or 410). */
export async function recordEnd(db: D1Database, id: string, end: { deletedAt?: number; expiresAt?: number }) {
  const statements = [db.prepare('DELETE FROM revisions WHERE cluster_id = ?').bind(id), db.prepare('DELETE FROM audit WHERE cluster_id = ?').bind(id)];
  if (end.deletedAt !== undefined) statements.push(db.prepare('UPDATE clusters SET deleted_at = ? WHERE id = ?').bind(end.deletedAt, id));
  if (end.expiresAt !== undefined) statements.push(db.prepare('UPDATE clusters SET expires_at = MIN(expires_at, ?) WHERE id = ?').bind(end.expiresAt, id));
  await db.batch(statements);
}

export const LIFECYCLE_PATH = /^\/(extend|reset)?$/;

/** The owner's lifecycle endpoints, relative to /v1/clusters/<id>: GET|DELETE /, POST /extend, POST /reset. */
export async function serveLifecycle(cluster: Cluster, req: Request, path: string): Promise<Response> {
  const op = LIFECYCLE_PATH.exec(path)![1];
  if (!op && req.method === 'GET') return json(cluster.info());
  if (!op && req.method === 'DELETE') {
    await cluster.end('deleted');
    return json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: cluster.id, kind: 'clusters' } });
  }
  if (!op || req.method !== 'POST') throw methodNotAllowed();
  if (op === 'reset') {
    await bodyObject(req, '{} (no fields)');
    return json(await cluster.reset());
  }
  const body = await bodyObject(req, '{"ttl": "2h" | seconds}');
  return json(await cluster.extend(body.ttl));
}
