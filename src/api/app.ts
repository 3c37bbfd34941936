// The HTTP edge: sign-up, and every Kubernetes API request forwarded to its cluster's Durable Object.
import { Hono } from 'hono';
import { statusResponse } from '../apiserver/errors';
import { CLUSTER_ID } from './ids';
import { clusterNotFound } from './lifecycle';
import { signup } from './signup';
import type { Env } from '../env';

export const app = new Hono<{ Bindings: Env }>();

// A request answered without reading its body (a refused sign-up, an unknown cluster) still has it drained:
// otherwise workerd fails the stream after the response and the client's connection can stall.
app.use('*', async (c, next) => {
  await next();
  const req = c.req.raw;
  if (req.body && !req.bodyUsed) await req.arrayBuffer().catch(() => undefined);
});

app.post('/v1/clusters', signup);

// The live view: a static page any site may frame (it shows nothing until its WebSocket, /ui/ws, gets a token).
app.get('/clusters/:id/ui', async (c) => {
  const id = c.req.param('id');
  if (!CLUSTER_ID.test(id)) return statusResponse(clusterNotFound(id));
  const page = await (c.env as Env & { ASSETS: Fetcher }).ASSETS.fetch(new URL('/live', c.req.url));
  const res = new Response(page.body, page);
  res.headers.set('content-security-policy', 'frame-ancestors *');
  res.headers.delete('x-frame-options');
  return res;
});
app.all('/clusters/:id/*', (c) => forward(c.env, c.req.raw, c.req.param('id') ?? '', `/clusters/${c.req.param('id')}`, false));
app.all('/clusters/:id', (c) => forward(c.env, c.req.raw, c.req.param('id') ?? '', `/clusters/${c.req.param('id')}`, false));
// The sandbox's own per-cluster API (clock, …), answered by the cluster's Durable Object too.
app.all('/v1/clusters/:id/*', (c) => forward(c.env, c.req.raw, c.req.param('id') ?? '', `/v1/clusters/${c.req.param('id')}`, true));
// The cluster itself (info, delete; its owner's lifecycle endpoints, src/api/lifecycle.ts).
app.all('/v1/clusters/:id', (c) => forward(c.env, c.req.raw, c.req.param('id') ?? '', `/v1/clusters/${c.req.param('id')}`, true));

async function forward(env: Env, raw: Request, id: string, prefix: string, sandboxApi: boolean): Promise<Response> {
  if (!CLUSTER_ID.test(id)) return statusResponse(clusterNotFound(id));
  const url = new URL(raw.url);
  const inner = new URL(url.pathname.slice(prefix.length) || '/', 'https://cluster.internal');
  inner.search = url.search;
  const headers = new Headers(raw.headers);
  headers.set('x-sandbox-server', `${url.origin}/clusters/${id}`);
  headers.set('x-sandbox-cluster', id);
  if (sandboxApi) headers.set('x-sandbox-api', '1');
  else headers.delete('x-sandbox-api');
  const stub = env.CLUSTER.get(env.CLUSTER.idFromName(id));
  const started = Date.now();
  const res = await stub.fetch(new Request(inner, { method: raw.method, headers, body: raw.body }));
  // A WebSocket upgrade (the live view) goes back as it is: a copy would lose the socket.
  if (res.webSocket) return res;
  // Time to the cluster's answer (headers), as Server-Timing: what benchmarks and browsers can read.
  const out = new Response(res.body, res);
  out.headers.set('server-timing', `cluster;dur=${Date.now() - started}`);
  return out;
}
