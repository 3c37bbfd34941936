// The sandbox's own API for a cluster (not Kubernetes): the clock, so far.
// Reached through the Worker at /v1/clusters/<id>/..., with the cluster's bearer token.
import type { ApiContext } from '../apiserver/context';
import { ApiError, badRequest, pathNotFound, statusResponse } from '../apiserver/errors';
import { json } from '../apiserver/reads';
import { readBody } from '../apiserver/body';
import type { Cluster } from './cluster';

/** Most a single request may move the clock: a week. */
const MAX_ADVANCE_SECONDS = 7 * 24 * 3600;

export async function serveSandboxApi(cluster: Cluster, _ctx: ApiContext, req: Request): Promise<Response> {
  try {
    const path = new URL(req.url).pathname;
    if (path === '/clock') return await clock(cluster, req);
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
    cluster.clock.advance(s * 1000);
  } else {
    throw badRequest('action must be one of "pause", "resume", "advance"');
  }
  cluster.clockChanged();
  return json(clockView(cluster));
}

