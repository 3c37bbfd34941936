// Reaching a service or a pod without any container running: the API server's proxy subresources
// (services/<name>/proxy, pods/<name>/proxy; pkg/registry/core/service/proxy.go and the ResourceLocation of
// the service and pod storage) and the sandbox's node-port and load-balancer entry points. kube-proxy's
// choice (src/network/kube-proxy.ts) picks the backend and a simulated echo server answers for it. No
// connection is ever opened: every address inside a sandbox is fiction.
import { resKey, grOf, type ApiContext } from './context';
import { ApiError, badRequest, methodNotAllowed, notFound } from './errors';
import { MAX_BODY_BYTES } from './body';
import { clientAddress } from './request';
import { findResource } from '../resources/registry';
import { joinHostPort, nonSpecialIPErrors, parseIP } from '../resources/endpoints';
import { affinityOf, findServicePort, route, type Backend, type Connection } from '../network/kube-proxy';
import type { KubeObject } from '../resources/types';
import { slicesOfService } from '../controllers/endpointslices';
import { decodeSegment } from './request';

const SERVICES = findResource('', 'v1', 'services')!;
const PODS = findResource('', 'v1', 'pods')!;
const ENDPOINTS = findResource('', 'v1', 'endpoints')!;
const NODES = findResource('', 'v1', 'nodes')!;

/** The connect methods of the proxy subresources (ConnectMethods upstream). */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/(services|pods)\/([^/]+)\/proxy(\/.*)?$/;
export const NODE_PORT_PATH = /^\/nodes\/([^/]+)\/ports\/([^/]+)(\/.*)?$/;
export const LOAD_BALANCER_PATH = /^\/loadbalancers\/([^/]+)\/ports\/([^/]+)(\/.*)?$/;

export const isProxyPath = (path: string) => PROXY_PATH.test(path);

/** utilnet.SplitSchemeNamePort: `name`, `name:port` or `scheme:name:port` (scheme http, https or empty). */
function splitSchemeNamePort(id: string): { name: string; port: string } | undefined {
  const parts = id.split(':');
  if (parts.length > 3) return undefined;
  const [scheme, name, port] = parts.length === 3 ? parts : ['', parts[0], parts[1] ?? ''];
  return name && ['', 'http', 'https'].includes(scheme) ? { name, port } : undefined;
}

const serviceUnavailable = (message: string) => new ApiError(503, 'ServiceUnavailable', message);
const refused = (hostPort: string) => serviceUnavailable(`dial tcp ${hostPort}: connect: connection refused`);


const slicesOf = (ctx: ApiContext, svc: KubeObject) => slicesOfService(ctx.store, svc.metadata.namespace!, svc.metadata.name!);

function connect(ctx: ApiContext, req: Request, svc: KubeObject, servicePort: any, via?: Connection['via'], slices = slicesOf(ctx, svc)) {
  return route({ service: svc, slices, servicePort, clientIP: clientAddress(req.headers), now: ctx.now(), random: Math.random, via, affinity: affinityOf(ctx.store) });
}

// ---- the API server's proxy subresources ----

/** /api/v1/namespaces/<ns>/{services,pods}/<id>/proxy[/<path>], every connect method. */
export async function serveProxy(ctx: ApiContext, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const [, ns, resource, rawId, path = '/'] = PROXY_PATH.exec(url.pathname)!;
  if (!METHODS.has(req.method)) throw methodNotAllowed();
  const namespace = decodeSegment(ns);
  const id = decodeSegment(rawId);
  const backend = resource === 'services' ? serviceLocation(ctx, req, namespace, id) : podLocation(ctx, namespace, id);
  // Upstream redirects a bare `.../proxy` to `.../proxy/` (301); the Worker's hop to this object follows
  // redirects itself, so the bare path is answered as `/` directly, which is where clients end up anyway.
  return answer(req, backend, path, url.search);
}

/** The service storage's ResourceLocation, with kube-proxy's choice of endpoint. */
function serviceLocation(ctx: ApiContext, req: Request, namespace: string, id: string): Backend {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw badRequest(`invalid service request "${id}"`);
  const { name } = parts;
  let portName = parts.port;
  const svc = ctx.store.get(resKey(SERVICES), namespace, name)?.obj;
  // A port number names the service port; without one upstream goes straight to the Endpoints object.
  if (/^[+-]?\d+$/.test(portName)) {
    if (!svc) throw notFound(grOf(SERVICES), name);
    const port = findServicePort(svc, Number(portName));
    if (!port) throw serviceUnavailable(`no service port ${Number(portName)} found for service "${name}"`);
    portName = port.name ?? '';
  }
  if (!ctx.store.get(resKey(ENDPOINTS), namespace, name)) throw notFound(grOf(ENDPOINTS), name);
  if (!svc) throw notFound(grOf(SERVICES), name);
  const slices = slicesOf(ctx, svc);
  const servicePort = findServicePort(svc, portName);
  const r = servicePort && connect(ctx, req, svc, servicePort, undefined, slices);
  if (r && 'backend' in r) return r.backend;
  // Upstream names the service alone when it has no endpoints at all, else the whole request id.
  const none = !slices.some((s) => s.endpoints?.length);
  throw serviceUnavailable(`no endpoints available for service "${none ? name : id}"`);
}

/** The pod strategy's ResourceLocation: the pod's IP and the given port, else its first container port. */
function podLocation(ctx: ApiContext, namespace: string, id: string): Backend {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw badRequest(`invalid pod request "${id}"`);
  const pod = ctx.store.get(resKey(PODS), namespace, parts.name)?.obj;
  if (!pod) throw notFound(grOf(PODS), parts.name);
  const ip: string = pod.status?.podIPs?.[0]?.ip ?? '';
  if (!parseIP(ip) || nonSpecialIPErrors(ip, '').length) throw badRequest('address not allowed');
  const firstPort = (pod.spec?.containers ?? []).find((c: any) => c.ports?.length)?.ports[0].containerPort;
  const port = parts.port || String(firstPort ?? 80);
  const hostPort = joinHostPort(ip, port);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw serviceUnavailable(`error trying to reach service: dial tcp: address ${hostPort}: invalid port`);
  }
  // Only a running pod has a process that could be listening.
  if (pod.status?.phase !== 'Running') throw serviceUnavailable(`error trying to reach service: ${refused(hostPort).message}`);
  return { ip, port: Number(port), pod: { namespace, name: parts.name }, nodeName: pod.spec?.nodeName };
}

// ---- the sandbox's entry points: node ports and load-balancer addresses ----

function portOf(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) throw badRequest(`invalid port "${raw}": must be a number between 1 and 65535`);
  return port;
}

const tcpPort = (p: any, match: (p: any) => boolean) => (p.protocol ?? 'TCP') === 'TCP' && match(p);

function backendOrReject(r: ReturnType<typeof route>, hostPort: string): Backend {
  if ('backend' in r) return r.backend;
  // kube-proxy REJECTs a service without endpoints and DROPs traffic for a node without local ones.
  if (r.reject === 'no-endpoints') throw refused(hostPort);
  throw new ApiError(504, 'Timeout', `dial tcp ${hostPort}: i/o timeout`);
}

/** /nodes/<node>/ports/<nodePort>[/<path>]: a client outside the cluster connecting to a node port. */
export async function serveNodePort(ctx: ApiContext, req: Request, path: string): Promise<Response> {
  const [, rawNode, rawPort, rest = '/'] = NODE_PORT_PATH.exec(path)!;
  const nodeName = decodeSegment(rawNode);
  const node = ctx.store.get(resKey(NODES), '', nodeName)?.obj;
  if (!node) throw notFound(grOf(NODES), nodeName);
  const nodePort = portOf(rawPort);
  const nodeIP = (node.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? nodeName;
  const hostPort = joinHostPort(nodeIP, nodePort);
  for (const { obj: svc } of ctx.store.list(resKey(SERVICES), '')) {
    if (svc.spec?.type !== 'NodePort' && svc.spec?.type !== 'LoadBalancer') continue;
    const servicePort = (svc.spec.ports ?? []).find((p: any) => tcpPort(p, (q) => q.nodePort === nodePort));
    if (!servicePort) continue;
    const backend = backendOrReject(connect(ctx, req, svc, servicePort, { node: nodeName, external: true }), hostPort);
    return answer(req, backend, rest, new URL(req.url).search);
  }
  throw refused(hostPort);
}

/** /loadbalancers/<ip>/ports/<port>[/<path>]: a client connecting to a LoadBalancer service's address. */
export async function serveLoadBalancer(ctx: ApiContext, req: Request, path: string): Promise<Response> {
  const [, rawIP, rawPort, rest = '/'] = LOAD_BALANCER_PATH.exec(path)!;
  const ip = decodeSegment(rawIP);
  const port = portOf(rawPort);
  const owners = ctx.store
    .list(resKey(SERVICES), '')
    .map((e) => e.obj)
    .filter((s) => s.spec?.type === 'LoadBalancer' && (s.status?.loadBalancer?.ingress ?? []).some((i: any) => i?.ip === ip));
  if (!owners.length) throw new ApiError(404, 'NotFound', `no load balancer has the address "${ip}"`, {});
  const hostPort = joinHostPort(ip, port);
  for (const svc of owners) {
    const servicePort = (svc.spec.ports ?? []).find((p: any) => tcpPort(p, (q) => q.port === port));
    if (servicePort) return answer(req, backendOrReject(connect(ctx, req, svc, servicePort), hostPort), rest, new URL(req.url).search);
  }
  throw refused(hostPort);
}

// ---- the simulated backend ----

/** Counts the request body's bytes without keeping them, refusing more than the API server's limit. */
async function bodyBytes(req: Request): Promise<number> {
  if (!req.body) return 0;
  let n = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    n += chunk.byteLength;
    if (n > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`);
  }
  return n;
}

/** JSON only for a client that asks for it and does not take anything (kubectl sends `application/json, *\/*`). */
function wantsJSON(accept: string | null): boolean {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  return types.includes('application/json') && !types.includes('*/*');
}

/** What an echo server on the backend answers: who it is, and the request line it got. */
async function answer(req: Request, b: Backend, path: string, search: string): Promise<Response> {
  const withBody = ['POST', 'PUT', 'PATCH'].includes(req.method);
  const bytes = withBody ? await bodyBytes(req) : undefined;
  const who = b.pod?.name ?? b.ip;
  const node = b.nodeName ?? '<unknown>';
  const requestLine = `${req.method} ${path}${search} HTTP/1.1`;
  const json = wantsJSON(req.headers.get('accept'));
  const text = json
    ? JSON.stringify({
        pod: b.pod?.name ?? null,
        namespace: b.pod?.namespace ?? null,
        ip: b.ip,
        port: b.port,
        node: b.nodeName ?? null,
        request: { method: req.method, path, query: search.slice(1), ...(bytes === undefined ? {} : { bodyBytes: bytes }) },
      })
    : [
        `Hello from ${who} (${joinHostPort(b.ip, b.port)}) on ${node}`,
        requestLine,
        ...(b.pod ? [`pod: ${b.pod.namespace}/${b.pod.name}`] : []),
        ...(bytes === undefined ? [] : [`body: ${bytes} bytes`]),
        '',
      ].join('\n');
  const headers = { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8' };
  return new Response(req.method === 'HEAD' ? null : text, { status: 200, headers });
}
