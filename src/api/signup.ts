// POST /v1/clusters: a new sandbox cluster, its one-time token and a ready kubeconfig.
import { drizzle } from 'drizzle-orm/d1';
import type { Context } from 'hono';
import { hashToken, newClusterId, newToken } from './ids';
import { kubeconfig } from './kubeconfig';
import { clusters } from '../db/schema';
import type { Env } from '../env';
import { ApiError, statusResponse } from '../apiserver/errors';
import { limitSignup, signupOptions, type SignupOptions } from './lifecycle';

export async function signup(c: Context<{ Bindings: Env }>): Promise<Response> {
  const env = c.env;
  let opts: SignupOptions;
  try {
    // Counted before the body is read: a flood of malformed sign-ups is limited too.
    await limitSignup(env, c.req.raw.headers);
    opts = await signupOptions(c.req.raw, env);
  } catch (e) {
    if (e instanceof ApiError) return statusResponse(e);
    throw e;
  }
  const id = newClusterId();
  const token = newToken();
  const tokenHash = await hashToken(token);
  const now = Date.now();
  const expiresAt = now + opts.ttlSeconds * 1000;
  const origin = new URL(c.req.url).origin;
  const server = `${origin}/clusters/${id}`;

  await env.CLUSTER.get(env.CLUSTER.idFromName(id)).init({ id, tokenHash, expiresAt, maxObjects: Number(env.MAX_OBJECTS ?? 10000), createdAt: now, preset: opts.preset });
  await drizzle(env.DB).insert(clusters).values({ id, tokenHash, createdAt: new Date(now), expiresAt: new Date(expiresAt) });

  const config = kubeconfig({ id, server, token, insecure: env.INSECURE_KUBECONFIG === 'true' });
  const wantsYaml = c.req.query('format') === 'kubeconfig' || /application\/(x-)?yaml/.test(c.req.header('accept') ?? '');
  if (wantsYaml) return new Response(config, { status: 201, headers: { 'content-type': 'application/yaml' } });
  return c.json({ id, server, token, expiresAt: new Date(expiresAt).toISOString(), preset: opts.preset, kubeconfig: config }, 201);
}
