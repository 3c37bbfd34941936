// The Kubernetes API of one cluster: routes a request (path already stripped of /clusters/<id>) to
// discovery, OpenAPI or a resource verb, and turns every failure into a metav1.Status.
import { resKey, type ApiContext } from './context';
import { selectorFilter } from './filters';
import { listKind } from './table';
import { decodeBody, decodeObject, isEmptyBody, patchTypeOf, readBody, readRequestBody, type PatchType } from './body';
import { ApiError, badRequest, internalError, invalid, methodNotAllowed, pathNotFound, statusResponse } from './errors';
import { isPlainObject } from './json-util';
import { PatchError, jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { patchMetaOf } from './patch-meta';
import { getEntry, json, list, objectResponse, watch } from './reads';
import { parseKubePath, queryBool, type ResourceRequest } from './request';
import { scaleOf, scaleReplicas } from './scale';
import { applyObject, createObject, deleteObject, updateObject, type DeleteOptions, type WriteOptions } from './writes';
import { forbidden as forbiddenField, required } from './field-errors';
import { serveNonResource } from './nonresource';
import { isProxyPath, serveProxy } from './proxy';
import { validateFields, withWarnings } from './field-validation';
import { findResource } from '../resources/registry';
import { authorizeRequest } from '../auth/rbac-request';
import type { KubeObject, ResourceDef } from '../resources/types';

export async function handleKube(ctx: ApiContext, req: Request): Promise<Response> {
  const url = new URL(req.url);
  try {
    // Every API request (resources, proxies, non-resource paths) is authorized, as its impersonated identity if any.
    if (ctx.requester) ctx = authorizeRequest(ctx, req);
    if (isProxyPath(url.pathname)) return await serveProxy(ctx, req);
    const r = parseKubePath(req.method, url.pathname, url.searchParams);
    if (r.kind === 'other') return await serveNonResource(ctx, req, r.path);
    const def = findResource(r.group, r.version, r.plural);
    if (!def) throw pathNotFound();
    const res = await serveResource(ctx, def, r, req);
    if (def.warning) res.headers.set('warning', `299 - "${def.warning}"`);
    return res;
  } catch (e) {
    if (e instanceof ApiError) return statusResponse(e);
    console.error('internal error', (e as Error)?.stack ?? e);
    return statusResponse(internalError((e as Error)?.message ?? String(e)));
  }
}

function checkScope(def: ResourceDef, r: ResourceRequest) {
  // A namespaced kind addressed by name needs a namespace; a cluster-scoped one never takes one.
  if (def.namespaced ? r.name && !r.namespace : r.namespace) throw pathNotFound();
  const sub = r.subresource;
  if (!sub || (sub === 'status' && def.subresources?.status) || (sub === 'scale' && def.subresources?.scale)) return;
  if (sub === 'finalize' && def.subresources?.finalize) {
    if (r.verb !== 'update') throw methodNotAllowed();
    return;
  }
  if (!def.subresources?.actions?.[sub]) throw pathNotFound();
  if (r.verb !== 'create') throw methodNotAllowed();
}

async function serveResource(ctx: ApiContext, def: ResourceDef, r: ResourceRequest, req: Request): Promise<Response> {
  checkScope(def, r);
  if (def.review) {
    // Reviews are computed, never stored: a POST to the collection is all there is.
    if (r.verb !== 'create' || r.name) throw methodNotAllowed();
    return json(def.review(ctx, decodeObject(req.headers.get('content-type'), await readRequestBody(req), def.kind, def.version)), 201);
  }
  const q = new URL(req.url).searchParams;
  const opts: WriteOptions = { dryRun: q.getAll('dryRun').includes('All'), manager: fieldManagerOf(q, req) };
  const ns = r.namespace;
  switch (r.verb) {
    case 'get': {
      const e = getEntry(ctx, def, ns, r.name);
      return r.subresource === 'scale' ? json(scaleOf(def, e.obj)) : objectResponse(ctx, def, req, e);
    }
    case 'list':
      return list(ctx, def, ns, req);
    case 'watch':
      return watch(ctx, def, ns, req);
    case 'create': {
      const action = r.subresource ? def.subresources?.actions?.[r.subresource] : undefined;
      if (action) {
        const body = decodeObject(req.headers.get('content-type'), await readRequestBody(req), action.kind, action.version);
        const out = action.handle(ctx, ns, r.name, body);
        return json(out.body, out.status);
      }
      if (r.name) throw methodNotAllowed();
      const body = decodeObject(req.headers.get('content-type'), await readRequestBody(req), def.kind, def.version);
      const warnings = validateFields(def, body, q);
      return withWarnings(objectResponse(ctx, def, req, createObject(ctx, def, ns, body, opts), 201), warnings);
    }
    case 'update': {
      const kind = r.subresource === 'scale' ? 'Scale' : def.kind;
      const body = decodeObject(req.headers.get('content-type'), await readRequestBody(req), kind, def.version);
      const warnings = validateFields(def, body, q, kind);
      if (r.subresource === 'scale') return withWarnings(json(scaleOf(def, updateScale(ctx, def, r, body, opts))), warnings);
      const updated = updateObject(ctx, def, ns, r.name, body, r.subresource === 'status' || r.subresource === 'finalize' ? r.subresource : '', opts);
      return withWarnings(objectResponse(ctx, def, req, updated), warnings);
    }
    case 'patch':
      return patch(ctx, def, r, req, opts);
    case 'delete': {
      const options = await deleteOptionsOf(req, q);
      if (options.dryRun?.includes('All')) opts.dryRun = true;
      const gone = deleteObject(ctx, def, ns, r.name, options, opts);
      return deleteResponse(ctx, def, req, gone);
    }
    case 'deletecollection': {
      const options = await deleteOptionsOf(req, q);
      if (options.dryRun?.includes('All')) opts.dryRun = true;
      const filter = selectorFilter(def, q);
      const targets = ctx.store.list(resKey(def), ns).filter((e) => !filter || filter(e.obj));
      const items = targets.map((e) => deleteObject(ctx, def, e.obj.metadata.namespace ?? '', e.obj.metadata.name!, options, opts));
      return json({ ...listKind(def), metadata: { resourceVersion: String(ctx.store.rv) }, items });
    }
  }
}

/** DeleteOptions from the body (JSON or protobuf), else from the query string as client-go may send them. */
async function deleteOptionsOf(req: Request, q: URLSearchParams): Promise<DeleteOptions> {
  const body = await readRequestBody(req);
  if (!isEmptyBody(body)) {
    const options = decodeBody(req.headers.get('content-type'), body);
    if (!isPlainObject(options)) throw badRequest('DeleteOptions in version "v1" cannot be handled as a DeleteOptions');
    return options as DeleteOptions;
  }
  const options: DeleteOptions = {};
  if (q.has('propagationPolicy')) options.propagationPolicy = q.get('propagationPolicy')!;
  if (q.has('gracePeriodSeconds')) {
    const grace = Number(q.get('gracePeriodSeconds'));
    if (!Number.isInteger(grace)) throw badRequest(`invalid value for gracePeriodSeconds: ${q.get('gracePeriodSeconds')}`);
    options.gracePeriodSeconds = grace;
  }
  if (q.has('orphanDependents')) options.orphanDependents = queryBool(q, 'orphanDependents');
  if (q.has('dryRun')) options.dryRun = q.getAll('dryRun');
  return options;
}

/** Pods (and objects still held by finalizers) are returned; other kinds answer a Success Status. */
function deleteResponse(ctx: ApiContext, def: ResourceDef, req: Request, obj: KubeObject): Response {
  if (def.kind === 'Pod' || obj.metadata.deletionTimestamp) return objectResponse(ctx, def, req, obj);
  const details: Record<string, string> = { name: obj.metadata.name! };
  if (def.group) details.group = def.group;
  details.kind = def.plural;
  details.uid = obj.metadata.uid!;
  return json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
}

/** The field manager of a write: the fieldManager parameter, else the client's name from its User-Agent. */
function fieldManagerOf(q: URLSearchParams, req: Request): string {
  return q.get('fieldManager') || (req.headers.get('user-agent') ?? '').split('/')[0] || 'unknown';
}

function updateScale(ctx: ApiContext, def: ResourceDef, r: ResourceRequest, scale: Record<string, any>, opts: WriteOptions): KubeObject {
  const current = getEntry(ctx, def, r.namespace, r.name).obj;
  const next = structuredClone(current);
  const rv = scale.metadata?.resourceVersion;
  if (rv) next.metadata.resourceVersion = rv;
  next.spec = { ...next.spec, replicas: scaleReplicas(scale) };
  return updateObject(ctx, def, r.namespace, r.name, next, 'scale', opts);
}

function applyPatch(type: PatchType, def: ResourceDef, target: unknown, patchBody: unknown): Record<string, any> {
  try {
    switch (type) {
      case 'merge':
        return mergePatch(target, patchBody) as Record<string, any>;
      case 'json':
        return jsonPatch(target, patchBody) as Record<string, any>;
      case 'strategic':
        return strategicMergePatch(target, patchBody, patchMetaOf(def)) as Record<string, any>;
      case 'apply':
        throw new ApiError(415, 'UnsupportedMediaType', 'server-side apply is not supported on this subresource', {});
    }
  } catch (e) {
    if (e instanceof PatchError) throw new ApiError(e.code, e.code === 422 ? 'Invalid' : 'BadRequest', e.message);
    throw e;
  }
}

/** PatchOptions validation (apimachinery ValidatePatchOptions): 422 on PatchOptions.meta.k8s.io. */
function validatePatchOptions(type: PatchType, q: URLSearchParams) {
  const errors = [];
  if (type !== 'apply' && q.has('force')) errors.push(forbiddenField('force', 'may not be specified for non-apply patch'));
  if (type === 'apply' && !q.get('fieldManager')) errors.push(required('fieldManager', 'is required for apply patch'));
  if (errors.length) throw invalid('PatchOptions', 'meta.k8s.io', '', errors);
}

async function patch(ctx: ApiContext, def: ResourceDef, r: ResourceRequest, req: Request, opts: WriteOptions): Promise<Response> {
  const type = patchTypeOf(req.headers.get('content-type'));
  if (!type) {
    throw new ApiError(415, 'UnsupportedMediaType', `the server does not support the media type "${req.headers.get('content-type') ?? ''}" for PATCH`, {});
  }
  const q = new URL(req.url).searchParams;
  const text = await readBody(req); // read before any error: the client is still sending it
  validatePatchOptions(type, q);
  const patchBody = decodeBody(req.headers.get('content-type'), text);
  if (type === 'apply' && r.subresource !== 'scale') return apply(ctx, def, r, req, patchBody, opts);
  const current = getEntry(ctx, def, r.namespace, r.name).obj;
  if (r.subresource === 'scale') {
    const scale = applyPatch(type, def, scaleOf(def, current), patchBody);
    const warnings = validateFields(def, scale, q, 'Scale', true);
    return withWarnings(json(scaleOf(def, updateScale(ctx, def, r, scale, opts))), warnings);
  }
  const patched = applyPatch(type, def, structuredClone(current), patchBody);
  if (!isPlainObject(patched)) throw badRequest('the patch did not produce an object');
  const warnings = validateFields(def, patched, q, def.kind, true);
  const updated = updateObject(ctx, def, r.namespace, r.name, patched, r.subresource === 'status' ? 'status' : '', opts);
  return withWarnings(objectResponse(ctx, def, req, updated), warnings);
}

/** Server-side apply: the body is the applier's configuration; creates the object when it is missing. */
function apply(ctx: ApiContext, def: ResourceDef, r: ResourceRequest, req: Request, config: unknown, opts: WriteOptions): Response {
  if (!isPlainObject(config)) throw badRequest(`error decoding patch: the apply configuration must be an object`);
  const q = new URL(req.url).searchParams;
  const warnings = validateFields(def, config, q, def.kind, true);
  const sub = r.subresource === 'status' ? 'status' : '';
  const { object, created } = applyObject(ctx, def, r.namespace, r.name, config, sub, { ...opts, manager: q.get('fieldManager')!, force: queryBool(q, 'force') });
  return withWarnings(objectResponse(ctx, def, req, object, created ? 201 : 200), warnings);
}
