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

app.all('/clusters/:id/*', forward);
app.all('/clusters/:id', forward);

async function forward(c: { req: { raw: Request; param: (k: string) => string | undefined }; env: Env }): Promise<Response> {
  const id = c.req.param('id') ?? '';
  if (!CLUSTER_ID.test(id)) return clusterNotFound(id);
  const url = new URL(c.req.raw.url);
  const prefix = `/clusters/${id}`;
  const inner = new URL(url.pathname.slice(prefix.length) || '/', 'https://cluster.internal');
  inner.search = url.search;
  const headers = new Headers(c.req.raw.headers);
  headers.set('x-sandbox-server', `${url.origin}${prefix}`);
  headers.set('x-sandbox-cluster', id);
  const stub = c.env.CLUSTER.get(c.env.CLUSTER.idFromName(id));
  const started = Date.now();
  const res = await stub.fetch(new Request(inner, { method: c.req.raw.method, headers, body: c.req.raw.body }));
  // Time to the cluster's answer (headers), as Server-Timing: what benchmarks and browsers can read.
  const out = new Response(res.body, res);
  out.headers.set('server-timing', `cluster;dur=${Date.now() - started}`);
  return out;
}
