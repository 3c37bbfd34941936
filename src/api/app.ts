// The HTTP edge: sign-up, and every Kubernetes API request forwarded to its cluster's Durable Object.
import { Hono } from 'hono';
import { CLUSTER_ID } from './ids';
import { signup } from './signup';
import type { Env } from '../env';

export const app = new Hono<{ Bindings: Env }>();

app.post('/v1/clusters', signup);

const clusterNotFound = (id: string) =>
  new Response(
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `cluster "${id}" not found`, reason: 'NotFound', details: { name: id, kind: 'clusters' }, code: 404 }),
    { status: 404, headers: { 'content-type': 'application/json' } },
  );

app.all('/clusters/:id/*', (c) => forward(c.env, c.req.raw, c.req.param('id') ?? '', `/clusters/${c.req.param('id')}`, false));
app.all('/clusters/:id', (c) => forward(c.env, c.req.raw, c.req.param('id') ?? '', `/clusters/${c.req.param('id')}`, false));
// The sandbox's own per-cluster API (clock, …), answered by the cluster's Durable Object too.
app.all('/v1/clusters/:id/*', (c) => forward(c.env, c.req.raw, c.req.param('id') ?? '', `/v1/clusters/${c.req.param('id')}`, true));

async function forward(env: Env, raw: Request, id: string, prefix: string, sandboxApi: boolean): Promise<Response> {
  if (!CLUSTER_ID.test(id)) return clusterNotFound(id);
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
  // Time to the cluster's answer (headers), as Server-Timing: what benchmarks and browsers can read.
  const out = new Response(res.body, res);
  out.headers.set('server-timing', `cluster;dur=${Date.now() - started}`);
  return out;
}
