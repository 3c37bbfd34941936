// OpenAPI v3 documents derived from the resource registry: the /openapi/v3 index and one
// paths-only document per group-version. kubectl create/apply (and helm) only check that each
// kind has a PATCH operation with x-kubernetes-group-version-kind and a fieldValidation query
// parameter; schemas are served completely or not at all, so components stay empty for now.
import { ALL_VERBS, type ResourceDef, type Verb } from '../resources/types';
import { KUBE_VERSION, servedGroupVersions } from './discovery';

// ---------------------------------------------------------------------------------------------
// Parameters and responses, as a 1.35 server lists them (alphabetical within an operation)

type ParamType = 'string' | 'boolean' | 'integer';

const query = (name: string, type: ParamType) => ({ in: 'query', name, schema: { type, uniqueItems: true } });
const pathParam = (name: string, description: string) => ({
  description,
  in: 'path',
  name,
  required: true,
  schema: { type: 'string', uniqueItems: true },
});

const CONTINUE = query('continue', 'string');
const DRY_RUN = query('dryRun', 'string');
const FIELD_MANAGER = query('fieldManager', 'string');
const FIELD_SELECTOR = query('fieldSelector', 'string');
const FIELD_VALIDATION = query('fieldValidation', 'string');
const GRACE_PERIOD = query('gracePeriodSeconds', 'integer');
const IGNORE_STORE_READ_ERROR = query('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean');
const LABEL_SELECTOR = query('labelSelector', 'string');
const LIMIT = query('limit', 'integer');
const ORPHAN_DEPENDENTS = query('orphanDependents', 'boolean');
const PROPAGATION_POLICY = query('propagationPolicy', 'string');
const RESOURCE_VERSION = query('resourceVersion', 'string');
const RESOURCE_VERSION_MATCH = query('resourceVersionMatch', 'string');
const SEND_INITIAL_EVENTS = query('sendInitialEvents', 'boolean');
const TIMEOUT = query('timeoutSeconds', 'integer');

const WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const PATCH_PARAMS = [...WRITE_PARAMS, query('force', 'boolean')];
const DELETE_PARAMS = [DRY_RUN, GRACE_PERIOD, IGNORE_STORE_READ_ERROR, ORPHAN_DEPENDENTS, PROPAGATION_POLICY];
const LIST_PARAMS = [
  query('allowWatchBookmarks', 'boolean'),
  CONTINUE,
  FIELD_SELECTOR,
  LABEL_SELECTOR,
  LIMIT,
  RESOURCE_VERSION,
  RESOURCE_VERSION_MATCH,
  SEND_INITIAL_EVENTS,
  TIMEOUT,
  query('watch', 'boolean'),
];
const DELETE_COLLECTION_PARAMS = [
  CONTINUE,
  DRY_RUN,
  FIELD_SELECTOR,
  GRACE_PERIOD,
  IGNORE_STORE_READ_ERROR,
  LABEL_SELECTOR,
  LIMIT,
  ORPHAN_DEPENDENTS,
  PROPAGATION_POLICY,
  RESOURCE_VERSION,
  RESOURCE_VERSION_MATCH,
  SEND_INITIAL_EVENTS,
  TIMEOUT,
];
const PRETTY = query('pretty', 'string');
const NAMESPACE = pathParam('namespace', 'object name and auth scope, such as for teams and projects');

const OK = { description: 'OK' };
const UNAUTHORIZED = { description: 'Unauthorized' };
const READ_RESPONSES = { '200': OK, '401': UNAUTHORIZED };
const CREATED = { description: 'Created' };
const ACCEPTED = { description: 'Accepted' };
const CREATE_RESPONSES = { '200': OK, '201': CREATED, '202': ACCEPTED, '401': UNAUTHORIZED };
const WRITE_RESPONSES = { '200': OK, '201': CREATED, '401': UNAUTHORIZED };
const DELETE_RESPONSES = { '200': OK, '202': ACCEPTED, '401': UNAUTHORIZED };

// ---------------------------------------------------------------------------------------------
// Operations

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** What every operation of one kind shares. */
interface KindContext {
  def: ResourceDef;
  gvk: Gvk;
  tag: string;
  /** operationId infix, e.g. "AppsV1" + "NamespacedDeployment" */
  gv: string;
  scoped: string;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Group name in operation ids: "" → Core, "rbac.authorization.k8s.io" → RbacAuthorization. */
function groupId(group: string): string {
  if (!group) return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map(capitalize).join('');
}

function kindContext(def: ResourceDef): KindContext {
  const g = groupId(def.group);
  return {
    def,
    gvk: { group: def.group, version: def.version, kind: def.kind },
    tag: `${g.charAt(0).toLowerCase()}${g.slice(1)}_${def.version}`,
    gv: `${g}${capitalize(def.version)}`,
    scoped: `${def.namespaced ? 'Namespaced' : ''}${def.kind}`,
  };
}

interface OperationSpec {
  action: 'list' | 'post' | 'deletecollection' | 'get' | 'put' | 'patch' | 'delete';
  description: string;
  operationId: string;
  parameters: object[];
  responses: object;
  /** the kind the operation reads or writes, when it is not the resource's own (Scale) */
  gvk?: Gvk;
}

function operation(ctx: KindContext, spec: OperationSpec) {
  return {
    description: spec.description,
    operationId: spec.operationId,
    ...(spec.parameters.length ? { parameters: spec.parameters } : {}),
    responses: spec.responses,
    tags: [ctx.tag],
    'x-kubernetes-action': spec.action,
    'x-kubernetes-group-version-kind': spec.gvk ?? ctx.gvk,
  };
}

const has = (def: ResourceDef, verb: Verb) => (def.verbs ?? ALL_VERBS).includes(verb);

/** The operation when the kind serves `verb`, else undefined (dropped from the path item). */
const ifServed = (ctx: KindContext, verb: Verb, spec: OperationSpec) =>
  has(ctx.def, verb) ? operation(ctx, spec) : undefined;

/** getArticleForNoun: "a Pod", "an Ingress", but no article for plural-looking kinds ("Endpoints"). */
const withArticle = (kind: string) =>
  kind.endsWith('s') && !kind.endsWith('ss') ? kind : `${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`;

/** Drop operations a kind does not serve (undefined values). */
const defined = (item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined));

function collectionItem(ctx: KindContext) {
  const { def, gv, scoped } = ctx;
  return defined({
    delete: ifServed(ctx, 'deletecollection', {
      action: 'deletecollection',
      description: `delete collection of ${def.kind}`,
      operationId: `delete${gv}Collection${scoped}`,
      parameters: DELETE_COLLECTION_PARAMS,
      responses: READ_RESPONSES,
    }),
    get: ifServed(ctx, 'list', {
      action: 'list',
      description: `list or watch objects of kind ${def.kind}`,
      operationId: `list${gv}${scoped}`,
      parameters: LIST_PARAMS,
      responses: READ_RESPONSES,
    }),
    parameters: def.namespaced ? [NAMESPACE, PRETTY] : [PRETTY],
    post: ifServed(ctx, 'create', {
      action: 'post',
      description: `create ${withArticle(def.kind)}`,
      operationId: `create${gv}${scoped}`,
      parameters: WRITE_PARAMS,
      responses: CREATE_RESPONSES,
    }),
  });
}

/** /api/v1/<plural>: a namespaced kind listed across all namespaces. */
function allNamespacesItem(ctx: KindContext) {
  const { def, gv } = ctx;
  return defined({
    get: ifServed(ctx, 'list', {
      action: 'list',
      description: `list or watch objects of kind ${def.kind}`,
      operationId: `list${gv}${def.kind}ForAllNamespaces`,
      parameters: LIST_PARAMS,
      responses: READ_RESPONSES,
    }),
    parameters: [PRETTY],
  });
}

function nameParams(def: ResourceDef, of: string) {
  const name = pathParam('name', `name of the ${of}`);
  return def.namespaced ? [name, NAMESPACE, PRETTY] : [name, PRETTY];
}

function objectItem(ctx: KindContext) {
  const { def, gv, scoped } = ctx;
  return defined({
    delete: ifServed(ctx, 'delete', {
      action: 'delete',
      description: `delete ${withArticle(def.kind)}`,
      operationId: `delete${gv}${scoped}`,
      parameters: DELETE_PARAMS,
      responses: DELETE_RESPONSES,
    }),
    get: ifServed(ctx, 'get', {
      action: 'get',
      description: `read the specified ${def.kind}`,
      operationId: `read${gv}${scoped}`,
      parameters: [],
      responses: READ_RESPONSES,
    }),
    parameters: nameParams(def, def.kind),
    patch: ifServed(ctx, 'patch', {
      action: 'patch',
      description: `partially update the specified ${def.kind}`,
      operationId: `patch${gv}${scoped}`,
      parameters: PATCH_PARAMS,
      responses: WRITE_RESPONSES,
    }),
    put: ifServed(ctx, 'update', {
      action: 'put',
      description: `replace the specified ${def.kind}`,
      operationId: `replace${gv}${scoped}`,
      parameters: WRITE_PARAMS,
      responses: WRITE_RESPONSES,
    }),
  });
}

/** .../{name}/status or .../{name}/scale: read, replace and patch of the subresource's kind. */
function subresourceItem(ctx: KindContext, sub: 'status' | 'scale', gvk: Gvk) {
  const { def, gv, scoped } = ctx;
  const id = `${gv}${scoped}${capitalize(sub)}`;
  const of = `${sub} of the specified ${def.kind}`;
  return {
    get: operation(ctx, {
      action: 'get',
      description: `read ${of}`,
      operationId: `read${id}`,
      parameters: [],
      responses: READ_RESPONSES,
      gvk,
    }),
    parameters: nameParams(def, gvk.kind),
    patch: operation(ctx, {
      action: 'patch',
      description: `partially update ${of}`,
      operationId: `patch${id}`,
      parameters: PATCH_PARAMS,
      responses: WRITE_RESPONSES,
      gvk,
    }),
    put: operation(ctx, {
      action: 'put',
      description: `replace ${of}`,
      operationId: `replace${id}`,
      parameters: WRITE_PARAMS,
      responses: WRITE_RESPONSES,
      gvk,
    }),
  };
}

const SCALE_GVK: Gvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/** Every path of one kind, keyed by URL template. */
function kindPaths(def: ResourceDef): [string, object][] {
  const ctx = kindContext(def);
  const prefix = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const collection = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
  const item = `${collection}/{name}`;
  const paths: [string, object][] = [
    [collection, collectionItem(ctx)],
    [item, objectItem(ctx)],
  ];
  if (def.namespaced) paths.push([`${prefix}/${def.plural}`, allNamespacesItem(ctx)]);
  if (def.subresources?.status) paths.push([`${item}/status`, subresourceItem(ctx, 'status', ctx.gvk)]);
  if (def.subresources?.scale) paths.push([`${item}/scale`, subresourceItem(ctx, 'scale', SCALE_GVK)]);
  // A path whose verbs are all unserved (e.g. bindings/{name}) does not exist on a real server.
  return paths.filter(([, pathItem]) => Object.keys(pathItem).some((k) => k !== 'parameters'));
}

// ---------------------------------------------------------------------------------------------
// Documents

/** "api/v1" for the core group, "apis/<group>/<version>" otherwise. */
export const gvPathOf = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function parseGvPath(gvPath: string): { group: string; version: string } | undefined {
  const core = /^api\/([^/]+)$/.exec(gvPath);
  if (core) return { group: '', version: core[1] };
  const named = /^apis\/([^/]+)\/([^/]+)$/.exec(gvPath);
  return named ? { group: named[1], version: named[2] } : undefined;
}

/** The OpenAPI v3 document of "api/v1" or "apis/<g>/<v>", or undefined for a group-version not served. */
export function openapiDocument(resources: ResourceDef[], gvPath: string) {
  const gv = parseGvPath(gvPath);
  const defs = gv ? resources.filter((r) => r.group === gv.group && r.version === gv.version) : [];
  if (defs.length === 0) return undefined;
  const paths = defs.flatMap(kindPaths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
    paths: Object.fromEntries(paths),
    components: {},
  };
}

/** FNV-1a 64 of the UTF-8 bytes, as 16 uppercase hex digits (16-bit limbs keep it exact in doubles). */
export function fnv1a64(text: string): string {
  // offset basis 0xcbf29ce484222325, least significant limb first
  let [h0, h1, h2, h3] = [0x2325, 0x8422, 0x9ce4, 0xcbf2];
  for (const byte of new TextEncoder().encode(text)) {
    h0 ^= byte;
    // multiply by the prime 0x100000001b3 = 2^40 + 0x1b3
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + h0 * 0x100 + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + h1 * 0x100 + (t2 >>> 16);
    [h0, h1, h2, h3] = [t0 & 0xffff, t1 & 0xffff, t2 & 0xffff, t3 & 0xffff];
  }
  return [h3, h2, h1, h0].map((h) => h.toString(16).padStart(4, '0')).join('').toUpperCase();
}

export interface HashedDocument {
  json: string;
  /** content hash: the ?hash= of the index URL and the ETag */
  hash: string;
}

// Serialized documents per registry (resources are static), so ETag checks cost nothing.
// Only served group-versions are cached, so request paths cannot grow the cache.
const cache = new WeakMap<ResourceDef[], Map<string, HashedDocument>>();

/** The serialized document and its content hash, memoised per registry and gvPath. */
export function openapiDocumentWithHash(resources: ResourceDef[], gvPath: string): HashedDocument | undefined {
  let docs = cache.get(resources);
  if (!docs) cache.set(resources, (docs = new Map()));
  const cached = docs.get(gvPath);
  if (cached) return cached;
  const doc = openapiDocument(resources, gvPath);
  if (!doc) return undefined;
  const json = JSON.stringify(doc);
  const entry = { json, hash: fnv1a64(json) };
  docs.set(gvPath, entry);
  return entry;
}

/** GET /openapi/v3: every served group-version with the hashed URL of its document. */
export function openapiIndex(resources: ResourceDef[]) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of servedGroupVersions(resources)) {
    const gvPath = gvPathOf(group, version);
    const { hash } = openapiDocumentWithHash(resources, gvPath)!;
    paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${hash}` };
  }
  return { paths };
}
