// Authorization of one HTTP request, before the API server does any work for it: impersonation first (as the
// filter chain orders them), then the request's attributes (apiserver RequestInfoFactory) against RBAC.
// Only HTTP requests are authorized: the control plane's in-process writes (controllers, scheduler, kubelets,
// bootstrap) have no requester; they act as trusted system components.
import type { ApiContext } from '../apiserver/context';
import { forbidden } from '../apiserver/errors';
import { queryBool } from '../apiserver/request';
import { parseFieldSelector } from '../apiserver/selectors';
import { impersonate } from './impersonation';
import { authorize, forbiddenMessage, isMaster, type Attributes } from './rbac';
import { rbacView } from './rbac-view';

const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A list or watch narrowed to one object by `fieldSelector=metadata.name=<n>` names it (so resourceNames apply). */
function selectedName(q: URLSearchParams): string {
  try {
    const r = parseFieldSelector(q.get('fieldSelector') ?? '').find((r) => r.field === 'metadata.name' && r.op !== '!=');
    return r && r.value && !/[/%]/.test(r.value) && r.value !== '.' && r.value !== '..' ? r.value : '';
  } catch {
    return ''; // the list itself answers the bad selector
  }
}

/** RequestInfoFactory.NewRequestInfo: what a request is about, as RBAC sees it. */
export function requestAttributes(method: string, pathname: string, query: URLSearchParams): Attributes {
  const path = decode(pathname);
  // segments as the handler routes them: empty ones dropped, each decoded alone (an escaped `/` stays inside)
  const parts = pathname.split('/').filter((seg) => seg !== '').map(decode);
  const nonResource: Attributes = { verb: method.toLowerCase(), apiGroup: '', subresource: '', namespace: '', name: '', path };
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return nonResource;
  let rest = parts.slice(1);
  let apiGroup = '';
  if (parts[0] === 'apis') {
    if (rest.length < 3) return nonResource;
    apiGroup = rest[0];
    rest = rest.slice(1);
  }
  rest = rest.slice(1); // the version
  let verb: string;
  if ((rest[0] === 'proxy' || rest[0] === 'watch') && rest.length >= 2) {
    verb = rest[0];
    rest = rest.slice(1);
  } else verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  let name = rest[1] ?? '';
  const subresource = rest.length >= 3 && verb !== 'proxy' ? rest[2] : '';
  if (!name && verb === 'get') {
    verb = queryBool(query, 'watch') ? 'watch' : 'list';
    name = selectedName(query);
  }
  if (!name && verb === 'delete') verb = 'deletecollection';
  return { verb, apiGroup, resource, subresource, namespace, name, path };
}

/**
 * The context a request runs in: as its requester, or as whom it impersonates. Throws the 403 (or the 400 of
 * bad impersonation headers) when it may not run. Members of system:masters pass without any lookup.
 */
export function authorizeRequest(ctx: ApiContext, req: Request): ApiContext {
  const view = rbacView(ctx.store);
  const user = impersonate(view, ctx.requester!, req.headers);
  const next = user === ctx.requester ? ctx : { ...ctx, requester: user, user: user.username };
  if (isMaster(user)) return next;
  const url = new URL(req.url);
  const a = requestAttributes(req.method, url.pathname, url.searchParams);
  const d = authorize(view, user, a);
  if (d.allowed) return next;
  const gr = a.resource === undefined ? null : { group: a.apiGroup, resource: a.resource };
  throw forbidden(gr, a.name, forbiddenMessage(user.username, a, d.reason));
}
