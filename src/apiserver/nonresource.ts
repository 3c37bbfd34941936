// Non-resource paths: version, health, discovery and OpenAPI.
import type { ApiContext } from './context';
import {
  KUBE_VERSION,
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  negotiateAggregated,
} from './discovery';
import { methodNotAllowed, pathNotFound } from './errors';
import { openapiDocumentWithHash, openapiIndex } from './openapi';
import { json } from './reads';
import { RESOURCES } from '../resources/registry';

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

export async function serveNonResource(ctx: ApiContext, req: Request, path: string): Promise<Response> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
  if (HEALTH.has(path)) return new Response('ok', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (path === '/version') return json(KUBE_VERSION);

  if (path === '/api' || path === '/apis') {
    const v = negotiateAggregated(req.headers.get('accept'));
    const which = path === '/api' ? 'api' : 'apis';
    if (v) return json(aggregatedDiscovery(RESOURCES, which, v), 200, { 'content-type': aggregatedContentType(v), vary: 'Accept' });
    return json(which === 'api' ? apiVersions(new URL(ctx.serverAddress).host) : apiGroupList(RESOURCES), 200, { vary: 'Accept' });
  }
  const segs = path.split('/').filter(Boolean);
  if (segs[0] === 'api' && segs.length === 2) return found(apiResourceList(RESOURCES, '', segs[1]));
  if (segs[0] === 'apis' && segs.length === 2) return found(apiGroup(RESOURCES, segs[1]));
  if (segs[0] === 'apis' && segs.length === 3) return found(apiResourceList(RESOURCES, segs[1], segs[2]));

  if (path === '/openapi/v3') return json(openapiIndex(RESOURCES));
  if (segs[0] === 'openapi' && segs[1] === 'v3') {
    const doc = openapiDocumentWithHash(RESOURCES, segs.slice(2).join('/'));
    if (!doc) throw pathNotFound();
    const etag = `"${doc.hash}"`;
    const headers = { etag, 'cache-control': 'public, immutable, max-age=31536000' };
    if (req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
    return json(doc.json, 200, headers);
  }
  throw pathNotFound();
}

function found(body: unknown): Response {
  if (body === undefined) throw pathNotFound();
  return json(body);
}
