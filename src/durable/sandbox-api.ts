// The sandbox's own API for a cluster (not Kubernetes): the clock, node failures, scheduling explanations,
// named users. Reached through the Worker at /v1/clusters/<id>/..., with a bearer token of the cluster.
import { grOf, resKey, type ApiContext } from '../apiserver/context';
import { ApiError, badRequest, forbidden, methodNotAllowed, notFound, pathNotFound, statusResponse } from '../apiserver/errors';
import { json } from '../apiserver/reads';
import { readBody } from '../apiserver/body';
import type { Cluster } from './cluster';
import { explainPod } from '../controllers/scheduler';
import { setNodeFailure } from '../controllers/simulation';
import { findResource } from '../resources/registry';
import { resolveResponse } from '../dns/resolve';
import { LOAD_BALANCER_PATH, NODE_PORT_PATH, serveLoadBalancer, serveNodePort } from '../apiserver/proxy';
import { serveEnv } from '../network/env-api';
import { serveUsers } from '../auth/users-api';
import { serveViewerTokens } from '../auth/viewer-tokens';
import { HISTORY_PATH, serveHistory } from '../history/api';
import { LIFECYCLE_PATH, serveLifecycle } from '../api/lifecycle';
import { decodeSegment } from '../apiserver/request';

/** Most a single request may move the clock: a week. */
const MAX_ADVANCE_SECONDS = 7 * 24 * 3600;

export async function serveSandboxApi(cluster: Cluster, ctx: ApiContext, req: Request): Promise<Response> {
  try {
    const path = new URL(req.url).pathname;
    // What a client on the cluster's network could reach (DNS, node ports, load balancers) is open to every
    // identity; the rest changes or explains the simulation and is the owner's alone.
    if (path === '/resolve') return resolveResponse(ctx, req);
    if (NODE_PORT_PATH.test(path)) return await serveNodePort(ctx, req, path);
    if (LOAD_BALANCER_PATH.test(path)) return await serveLoadBalancer(ctx, req, path);
    if (!ctx.requester?.groups.includes('system:masters')) {
      throw forbidden(null, '', `User "${ctx.requester?.username ?? ''}" cannot use ${path}: this part of the sandbox API is for the cluster owner only`);
    }
    if (LIFECYCLE_PATH.test(path)) return await serveLifecycle(cluster, req, path);
    if (path === '/clock') return await clock(cluster, req);
    if (HISTORY_PATH.test(path)) return await serveHistory(cluster.history!, req, path);
    const users = /^\/users(?:\/([^/]+))?$/.exec(path);
    if (users) return await serveUsers(ctx, req, users[1], { clusterId: ctx.store.getMeta('id') ?? '', insecure: cluster.insecureKubeconfig });
    const viewers = /^\/viewer-tokens(?:\/([^/]+))?$/.exec(path);
    if (viewers) return await serveViewerTokens(ctx, req, viewers[1], { revoked: (name) => cluster.live.revoke(name) });
    const node = /^\/nodes\/([^/]+)\/(fail|recover)$/.exec(path);
    if (node) return nodeFailure(ctx, req, decodeSegment(node[1]), node[2] === 'fail');
    const explain = /^\/explain\/pods\/([^/]+)\/([^/]+)$/.exec(path);
    if (explain) return explainResponse(ctx, req, decodeSegment(explain[1]), decodeSegment(explain[2]));
    const podEnv = /^\/pods\/([^/]+)\/([^/]+)\/env$/.exec(path);
    if (podEnv) return serveEnv(ctx, req, podEnv[1], podEnv[2]);
    throw pathNotFound();
  } catch (e) {
    if (e instanceof ApiError) return statusResponse(e);
    throw e;
  }
}

const clockView = (cluster: Cluster) => ({ now: new Date(cluster.clock.now()).toISOString(), paused: cluster.clock.paused });

async function clock(cluster: Cluster, req: Request): Promise<Response> {
  if (req.method === 'GET') return json(clockView(cluster));
  if (req.method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', 'the clock accepts GET and POST', {});
  let body: any;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    throw badRequest('the clock expects a JSON body: {"action": "pause" | "resume" | "advance", "seconds": N}');
  }
  const action = body?.action;
  if (action === 'pause') cluster.clock.pause();
  else if (action === 'resume') cluster.clock.resume();
  else if (action === 'advance') {
    const s = body.seconds;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > MAX_ADVANCE_SECONDS) {
      throw badRequest(`seconds must be a number between 0 and ${MAX_ADVANCE_SECONDS}`);
    }
    cluster.fastForward(s * 1000);
    return json(clockView(cluster));
  } else {
    throw badRequest('action must be one of "pause", "resume", "advance"');
  }
  cluster.clockChanged();
  return json(clockView(cluster));
}


/** POST /nodes/<name>/fail | /recover: the node's kubelet stops (or resumes) from now on. */
function nodeFailure(ctx: ApiContext, req: Request, name: string, fail: boolean): Response {
  if (req.method !== 'POST') throw methodNotAllowed();
  const nodes = findResource('', 'v1', 'nodes')!;
  if (!ctx.store.get(resKey(nodes), '', name)) throw notFound(grOf(nodes), name);
  try {
    return json({ node: name, ...setNodeFailure(ctx, name, fail) });
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw badRequest((e as Error).message);
  }
}

/** GET /explain/pods/<namespace>/<name>: why the scheduler put the pod where it is (or nowhere). */
function explainResponse(ctx: ApiContext, req: Request, namespace: string, name: string): Response {
  if (req.method !== 'GET') throw methodNotAllowed();
  const explanation = explainPod(ctx, namespace, name);
  if (!explanation) throw notFound(grOf(findResource('', 'v1', 'pods')!), name);
  return json(explanation);
}
