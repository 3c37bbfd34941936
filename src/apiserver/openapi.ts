// OpenAPI v3 documents derived from the resource registry, laid out as a 1.35 API server lays them
// out: the /openapi/v3 index, and per group-version its paths plus `components.schemas` holding every
// definition reachable from its kinds. Schemas come from schema.json (fields and docs) and
// field-meta.ts (merge strategies, list/map types). Who reads what:
// - create/apply/helm: a PATCH operation per kind with x-kubernetes-group-version-kind and a
//   fieldValidation parameter (else they fall back to client-side validation via /openapi/v2);
// - client-side apply: a PATCH requestBody accepting strategic-merge-patch, then the kind's schema
//   (found by its GVK) with x-kubernetes-patch-merge-key/-strategy, following `allOf: [{$ref}]`;
// - kubectl explain: the GVK on the paths, then the schema with that GVK; description, type, required.
import { fieldMeta, type FieldMeta } from '../resources/field-meta';
import { ALL_VERBS, type ResourceDef, type Verb } from '../resources/types';
import { KUBE_VERSION, servedGroupVersions } from './discovery';
import { definitionOf, definitions, type FieldSchema } from './strict';

type Json = Record<string, unknown>;

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

// ---------------------------------------------------------------------------------------------
// Schemas

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const LIST_META = `${META}.ListMeta`;
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const WATCH_EVENT = `${META}.WatchEvent`;
const PATCH = `${META}.Patch`;
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

const refTo = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const TYPE_META = definitions[DELETE_OPTIONS].properties!;
const typeMeta = () => ({ apiVersion: TYPE_META.apiVersion, kind: TYPE_META.kind });
const str = (description: string) => ({ description, type: 'string' });

// apimachinery types that no served kind embeds (so schema.json lacks them), in upstream's words.
const EXTRA_DEFINITIONS: Record<string, Json> = {
  [LIST_META]: {
    description:
      'ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.',
    properties: {
      continue: str(
        'continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. The value is opaque and may be used to issue another request to the endpoint that served this list to retrieve the next set of available objects. Continuing a consistent list may not be possible if the server configuration has changed or more than a few minutes have passed. The resourceVersion field returned when using this continue value will be identical to the value in the first response, unless you have received this token from an error message.',
      ),
      remainingItemCount: {
        description:
          'remainingItemCount is the number of subsequent items in the list which are not included in this list response. If the list request contained label or field selectors, then the number of remaining items is unknown and the field will be left unset and omitted during serialization. If the list is complete (either because it is not chunking or because this is the last chunk), then there are no more remaining items and this field will be left unset and omitted during serialization. Servers older than v1.15 do not set this field. The intended use of the remainingItemCount is *estimating* the size of a collection. Clients should not rely on the remainingItemCount to be set or to be exact.',
        format: 'int64',
        type: 'integer',
      },
      resourceVersion: str(
        "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency",
      ),
      selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
    },
    type: 'object',
  },
  [PATCH]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
  [STATUS]: {
    description: "Status is a return value for calls that don't return other objects.",
    properties: {
      apiVersion: TYPE_META.apiVersion,
      code: { description: 'Suggested HTTP return code for this status, 0 if not set.', format: 'int32', type: 'integer' },
      details: {
        allOf: [refTo(`${META}.StatusDetails`)],
        description:
          'Extended data associated with the reason.  Each reason may define its own extended details. This field is optional and the data returned is not guaranteed to conform to any schema except that defined by the reason type.',
      },
      kind: TYPE_META.kind,
      message: str('A human-readable description of the status of this operation.'),
      metadata: {
        allOf: [refTo(LIST_META)],
        default: {},
        description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      },
      reason: str(
        'A machine-readable description of why this operation is in the "Failure" status. If this value is empty there is no information available. A Reason clarifies an HTTP status code but does not override it.',
      ),
      status: str(
        'Status of the operation. One of: "Success" or "Failure". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status',
      ),
    },
    type: 'object',
  },
  [`${META}.StatusCause`]: {
    description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
    properties: {
      field: str(
        'The field of the resource that has caused this error, as named by its JSON serialization. May include dot and postfix notation for nested attributes. Arrays are zero-indexed.  Fields may appear more than once in an array of causes due to fields having multiple errors. Optional.\n\nExamples:\n  "name" - the field "name" on the current resource\n  "items[0].name" - the field "name" on the first array entry in "items"',
      ),
      message: str('A human-readable description of the cause of the error.  This field may be presented as-is to a reader.'),
      reason: str('A machine-readable description of the cause of the error. If this value is empty there is no information available.'),
    },
    type: 'object',
  },
  [`${META}.StatusDetails`]: {
    description:
      'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response. The Reason field of a Status object defines what attributes will be set. Clients must ignore fields that do not match the defined type of each attribute, and should assume that any attribute may be empty, invalid, or under defined.',
    properties: {
      causes: {
        description: 'The Causes array includes more details associated with the StatusReason failure. Not all StatusReasons may provide detailed causes.',
        items: { allOf: [refTo(`${META}.StatusCause`)], default: {} },
        type: 'array',
        'x-kubernetes-list-type': 'atomic',
      },
      group: str('The group attribute of the resource associated with the status StatusReason.'),
      kind: str(
        'The kind attribute of the resource associated with the status StatusReason. On some operations may differ from the requested resource Kind. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      ),
      name: str('The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).'),
      retryAfterSeconds: {
        description:
          'If specified, the time in seconds before the operation should be retried. Some errors may indicate the client must take an alternate action - for those errors this field may indicate how long to wait before taking the alternate action.',
        format: 'int32',
        type: 'integer',
      },
      uid: str('UID of the resource. (when there is a single resource which can be described). More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids'),
    },
    type: 'object',
  },
  [WATCH_EVENT]: {
    description: 'Event represents a single event to a watched resource.',
    properties: {
      object: {
        allOf: [refTo(RAW_EXTENSION)],
        description:
          'Object is:\n * If Type is Added or Modified: the new state of the object.\n * If Type is Deleted: the state of the object immediately before deletion.\n * If Type is Error: *Status is recommended; other types may make sense\n   depending on context.',
      },
      type: { default: '', type: 'string' },
    },
    required: ['type', 'object'],
    type: 'object',
  },
  [RAW_EXTENSION]: {
    description:
      'RawExtension is used to hold extensions in external versions.\n\nTo use this, make a field which has RawExtension as its type in your external, versioned struct, and Object in your internal struct. You also need to register your various plugin types.\n\n// Internal package:\n\n\ttype MyAPIObject struct {\n\t\truntime.TypeMeta `json:",inline"`\n\t\tMyPlugin runtime.Object `json:"myPlugin"`\n\t}\n\n\ttype PluginA struct {\n\t\tAOption string `json:"aOption"`\n\t}\n\n// External package:\n\n\ttype MyAPIObject struct {\n\t\truntime.TypeMeta `json:",inline"`\n\t\tMyPlugin runtime.RawExtension `json:"myPlugin"`\n\t}\n\n\ttype PluginA struct {\n\t\tAOption string `json:"aOption"`\n\t}\n\n// On the wire, the JSON will look something like this:\n\n\t{\n\t\t"kind":"MyAPIObject",\n\t\t"apiVersion":"v1",\n\t\t"myPlugin": {\n\t\t\t"kind":"PluginA",\n\t\t\t"aOption":"foo",\n\t\t},\n\t}\n\nSo what happens? Decode first uses json or yaml to unmarshal the serialized data into your external MyAPIObject. That causes the raw JSON to be stored, but not unpacked. The next step is to copy (using pkg/conversion) into the internal struct. The runtime package\'s DefaultScheme has conversion functions installed which will unpack the JSON stored in RawExtension, turning it into the correct object type, and storing it in the Object. (TODO: In the case where the object is of an unknown type, a runtime.Unknown object will be created and stored.)',
    type: 'object',
  },
};

// Leaves with custom JSON, as kube-openapi's v3 output writes them (OpenAPIV3OneOfTypes): explain
// then prints <IntOrString> and <map[string]Quantity>, like against a real cluster.
const LEAF_SCHEMAS: Record<string, Json> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    // schema.json keeps only the first paragraph; explain prints the whole doc under a quantity field.
    description:
      'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t(Note that <suffix> may be empty, from the "" case in <decimalSI>.)\n\n<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= "+" | "-" <signedNumber>    ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n<decimalSI>       ::= m | "" | k | M | G | T | P | E\n\n\t(Note that 1024 = 1Ki but 1000 = 1k; I didn\'t choose the capitalization.)\n\n<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```\n\nNo matter which of the three exponent forms is used, no quantity may represent a number greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if we require larger or smaller quantities.\n\nWhen a Quantity is parsed from a string, it will remember the type of suffix it had, and will use the same type again when it is serialized.\n\nBefore serializing, Quantity will be put in "canonical form". This means that Exponent/suffix will be adjusted up or down (with a corresponding increase or decrease in Mantissa) such that:\n\n- No precision is lost - No fractional digits will be emitted - The exponent (or suffix) is as large as possible.\n\nThe sign will be omitted unless the number is negative.\n\nExamples:\n\n- 1.5 will be serialized as "1500m" - 1.5Gi will be serialized as "1536Mi"\n\nNote that the quantity will NEVER be internally represented by a floating point number. That is the whole point of this exercise.\n\nNon-canonical values will still parse as long as they are well formed, but will be re-emitted in their canonical form. (So always use canonical form, or don\'t diff.)\n\nThis format is intended to make it difficult to use these numbers without writing some sort of special handling code in the hopes that that will cause implementors to also use a fixed point implementation.',
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
};

/** List kinds: [kind doc, items doc, metadata doc], from k8s.io/api 1.35. */
const LIST_DOCS: Record<string, [string, string, string]> = {};
{
  const std = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
  const add = (name: string, kind: string, items: string, metadata = std) => (LIST_DOCS[name] = [kind, items, metadata]);
  const core = (k: string) => `io.k8s.api.core.v1.${k}`;
  add(core('Namespace'), 'NamespaceList is a list of Namespaces.', 'Items is the list of Namespace objects in the list. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/');
  add(core('Node'), 'NodeList is the whole list of all Nodes which have been registered with master.', 'List of nodes');
  add(core('Pod'), 'PodList is a list of Pods.', 'List of pods. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md');
  add(core('Service'), 'ServiceList holds a list of services.', 'List of services');
  add(core('Endpoints'), 'EndpointsList is a list of endpoints. Deprecated: This API is deprecated in v1.33+.', 'List of endpoints.');
  add(core('ReplicationController'), 'ReplicationControllerList is a collection of replication controllers.', 'List of replication controllers. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller');
  add(core('ConfigMap'), 'ConfigMapList is a resource containing a list of ConfigMap objects.', 'Items is the list of ConfigMaps.', 'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata');
  add(core('Secret'), 'SecretList is a list of Secret.', 'Items is a list of secret objects. More info: https://kubernetes.io/docs/concepts/configuration/secret');
  add(core('ServiceAccount'), 'ServiceAccountList is a list of ServiceAccount objects', 'List of ServiceAccounts. More info: https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/');
  add(core('Event'), 'EventList is a list of events.', 'List of events');
  add(core('ResourceQuota'), 'ResourceQuotaList is a list of ResourceQuota items.', 'Items is a list of ResourceQuota objects. More info: https://kubernetes.io/docs/concepts/policy/resource-quotas/');
  add(core('LimitRange'), 'LimitRangeList is a list of LimitRange items.', 'Items is a list of LimitRange objects. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/');
  add('io.k8s.api.apps.v1.Deployment', 'DeploymentList is a list of Deployments.', 'Items is the list of Deployments.', 'Standard list metadata.');
  add('io.k8s.api.apps.v1.ReplicaSet', 'ReplicaSetList is a collection of ReplicaSets.', 'List of ReplicaSets. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset');
  add('io.k8s.api.discovery.v1.EndpointSlice', 'EndpointSliceList represents a list of endpoint slices', 'items is the list of endpoint slices', 'Standard list metadata.');
  add('io.k8s.api.events.v1.Event', 'EventList is a list of Event objects.', 'items is a list of schema objects.', 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata');
}

function listSchema(item: string): Json {
  const kind = item.slice(item.lastIndexOf('.') + 1);
  const [doc, items, metadata] = LIST_DOCS[item] ?? [`${kind}List is a list of ${kind}.`, `List of ${kind} objects.`, 'Standard list metadata.'];
  return {
    description: doc,
    properties: {
      ...typeMeta(),
      items: { description: items, items: { allOf: [refTo(item)], default: {} }, type: 'array' },
      metadata: { allOf: [refTo(LIST_META)], default: {}, description: metadata },
    },
    required: ['items'],
    type: 'object',
  };
}


/** Fields openapi-gen gives `default: {}` although optional: the non-pointer structs every kind embeds. */
const EMBEDDED = new Set(['metadata', 'spec', 'status']);

const isStruct = (name: string) => definitions[name]?.properties !== undefined;

/** The Go zero value openapi-gen writes as `default` for a non-pointer scalar (none for []byte). */
function zeroOf(f: FieldSchema): unknown {
  if (f.type === 'string') return f.format === 'byte' ? undefined : '';
  if (f.type === 'integer' || f.type === 'number') return 0;
  if (f.type === 'boolean') return false;
  return undefined;
}

/** Extensions in upstream's spelling; keys come out sorted like the rest of the schema. */
function extensions(meta: FieldMeta | undefined): Json {
  if (!meta) return {};
  const x: Json = {};
  if (meta.listMapKeys) x['x-kubernetes-list-map-keys'] = meta.listMapKeys;
  if (meta.listType) x['x-kubernetes-list-type'] = meta.listType;
  const mapType = meta.mapType ?? meta.structType; // +structType is written as x-kubernetes-map-type
  if (mapType) x['x-kubernetes-map-type'] = mapType;
  if (meta.patchMergeKey) x['x-kubernetes-patch-merge-key'] = meta.patchMergeKey;
  if (meta.patchStrategy) x['x-kubernetes-patch-strategy'] = meta.patchStrategy;
  return x;
}

/**
 * One property (or list item / map value) in v3 form. A reference with anything beside it (its own
 * description, a default, extensions) is wrapped as `allOf: [{$ref}]`, as kube-openapi does, since
 * siblings of a bare $ref are ignored in OpenAPI 3.0.
 */
function schemaOf(f: FieldSchema, nonPointer: boolean, meta?: FieldMeta): Json {
  const x = extensions(meta);
  if (f.ref) {
    const dflt = nonPointer && isStruct(f.ref) ? {} : undefined;
    if (dflt === undefined && !f.description && Object.keys(x).length === 0) return refTo(f.ref);
    return { allOf: [refTo(f.ref)], ...(dflt ? { default: dflt } : {}), ...(f.description ? { description: f.description } : {}), ...x };
  }
  const s: Json = {};
  // Elements of lists and maps are values, never pointers, in the API types.
  if (f.additionalProperties) s.additionalProperties = schemaOf(f.additionalProperties, true);
  const dflt = nonPointer ? zeroOf(f) : undefined;
  if (dflt !== undefined) s.default = dflt;
  if (f.description) s.description = f.description;
  if (f.enum) s.enum = f.enum;
  if (f.format) s.format = f.format;
  if (f.items) s.items = schemaOf(f.items, true);
  if (f.type) s.type = f.type;
  return Object.assign(s, x);
}

function definitionSchema(name: string): Json | undefined {
  const d = definitions[name];
  if (!d) return undefined;
  if (!d.properties) {
    // Time, MicroTime, FieldsV1 and friends: a described primitive (no x-kubernetes-* flags upstream).
    const leaf = LEAF_SCHEMAS[name];
    return leaf ? { description: d.description, ...leaf } : { description: d.description, format: d.format, type: d.type };
  }
  const required = new Set(d.required);
  const properties: Json = {};
  for (const [field, f] of Object.entries(d.properties)) {
    // Required fields have no omitempty, so openapi-gen writes their zero value as the default.
    const nonPointer = required.has(field) || (EMBEDDED.has(field) && !!f.ref);
    properties[field] = schemaOf(f, nonPointer, fieldMeta(name, field));
  }
  return { description: d.description, properties, ...(d.required?.length ? { required: d.required } : {}), type: 'object' };
}

// Definitions never change at runtime: convert each once, whichever document asks first.
const schemaCache = new Map<string, { schema: Json; refs: string[] } | null>();

/** The v3 schema of a definition (a list kind is "<kind definition>List") and the names it references. */
function namedSchema(name: string): { schema: Json; refs: string[] } | undefined {
  let entry = schemaCache.get(name);
  if (entry === undefined) {
    const schema =
      EXTRA_DEFINITIONS[name] ??
      definitionSchema(name) ??
      (name.endsWith('List') && isStruct(name.slice(0, -4)) ? listSchema(name.slice(0, -4)) : undefined);
    entry = schema ? { schema, refs: refsIn(schema, []) } : null;
    schemaCache.set(name, entry);
  }
  return entry ?? undefined;
}

function refsIn(node: unknown, out: string[]): string[] {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v.slice('#/components/schemas/'.length));
      else if (typeof v === 'object') refsIn(v, out);
    }
  }
  return out;
}

/** A GVK with its keys in upstream's (sorted) order. */
const gvkOf = (group: string, version: string, kind: string): Gvk => ({ group, kind, version });

/** Every definition reachable from the group-version's kinds, sorted, roots tagged with their GVKs. */
function components(resources: ResourceDef[], defs: ResourceDef[]): Record<string, Json> {
  const roots = new Map<string, object[]>();
  for (const def of defs) {
    const name = definitionOf(def.group, def.version, def.kind);
    if (!isStruct(name)) continue; // no schema: kubectl falls back to its compiled-in types
    roots.set(name, [gvkOf(def.group, def.version, def.kind)]);
    roots.set(`${name}List`, [gvkOf(def.group, def.version, `${def.kind}List`)]);
    if (def.subresources?.scale) roots.set(SCALE, [gvkOf('autoscaling', 'v1', 'Scale')]);
  }
  // Registered in every group-version the server serves, as AddToGroupVersion does.
  const everyGv = servedGroupVersions(resources)
    .map(({ group, version }) => [group, version])
    .sort(([g1, v1], [g2, v2]) => (g1 < g2 ? -1 : g1 > g2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0));
  roots.set(DELETE_OPTIONS, everyGv.map(([g, v]) => gvkOf(g, v, 'DeleteOptions')));
  roots.set(WATCH_EVENT, everyGv.map(([g, v]) => gvkOf(g, v, 'WatchEvent')));
  roots.set(STATUS, [gvkOf('', 'v1', 'Status')]);
  roots.set(PATCH, []);

  const seen = new Set<string>();
  const queue = [...roots.keys()];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...(namedSchema(name)?.refs ?? []));
  }
  const out: Record<string, Json> = {};
  for (const name of [...seen].sort()) {
    const schema = namedSchema(name)?.schema;
    if (!schema) continue;
    const gvks = roots.get(name);
    out[name] = gvks?.length ? { ...schema, 'x-kubernetes-group-version-kind': gvks } : schema;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parameters, request bodies and responses, as a 1.35 server lists them (alphabetical within an operation)

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

// Only the media types this server writes and reads (upstream also lists yaml, protobuf and cbor).
const media = (types: string[], schema: string) => Object.fromEntries(types.map((t) => [t, { schema: refTo(schema) }]));
const JSON_ONLY = ['application/json'];
const JSON_AND_WATCH = ['application/json', 'application/json;stream=watch'];

/** Request bodies: `*` for objects and DeleteOptions; kubectl apply checks PATCH for strategic-merge-patch. */
const objectBody = (schema: string | undefined, required = true) =>
  schema ? { content: media(['*/*'], schema), ...(required ? { required: true } : {}) } : undefined;
const PATCH_BODY = {
  content: media(
    ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'],
    PATCH,
  ),
  required: true,
};

const STATUS_TEXT = { '200': 'OK', '201': 'Created', '202': 'Accepted' } as const;
const UNAUTHORIZED = { description: 'Unauthorized' };

function responses(codes: (keyof typeof STATUS_TEXT)[], schema: string | undefined, types = JSON_ONLY) {
  const out: Record<string, object> = {};
  for (const code of codes) {
    out[code] = schema ? { content: media(types, schema), description: STATUS_TEXT[code] } : { description: STATUS_TEXT[code] };
  }
  out['401'] = UNAUTHORIZED;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Operations

/** What every operation of one kind shares. */
interface KindContext {
  def: ResourceDef;
  gvk: Gvk;
  tag: string;
  /** operationId infix, e.g. "AppsV1" + "NamespacedDeployment" */
  gv: string;
  scoped: string;
  /** definition names of the kind and its list, when the kind has a schema */
  schema?: string;
  list?: string;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Group name in operation ids: "" → Core, "rbac.authorization.k8s.io" → RbacAuthorization. */
function groupId(group: string): string {
  if (!group) return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map(capitalize).join('');
}

function kindContext(def: ResourceDef): KindContext {
  const g = groupId(def.group);
  const schema = definitionOf(def.group, def.version, def.kind);
  return {
    def,
    gvk: gvkOf(def.group, def.version, def.kind),
    tag: `${g.charAt(0).toLowerCase()}${g.slice(1)}_${def.version}`,
    gv: `${g}${capitalize(def.version)}`,
    scoped: `${def.namespaced ? 'Namespaced' : ''}${def.kind}`,
    ...(isStruct(schema) ? { schema, list: `${schema}List` } : {}),
  };
}

interface OperationSpec {
  action: 'list' | 'post' | 'deletecollection' | 'get' | 'put' | 'patch' | 'delete';
  description: string;
  operationId: string;
  parameters: object[];
  requestBody?: object;
  responses: object;
  /** the kind the operation reads or writes, when it is not the resource's own (Scale) */
  gvk?: Gvk;
}

function operation(ctx: KindContext, spec: OperationSpec) {
  return {
    description: spec.description,
    operationId: spec.operationId,
    ...(spec.parameters.length ? { parameters: spec.parameters } : {}),
    ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
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
      requestBody: objectBody(DELETE_OPTIONS, false),
      responses: responses(['200'], STATUS),
    }),
    get: ifServed(ctx, 'list', {
      action: 'list',
      description: `list or watch objects of kind ${def.kind}`,
      operationId: `list${gv}${scoped}`,
      parameters: LIST_PARAMS,
      responses: responses(['200'], ctx.list, JSON_AND_WATCH),
    }),
    parameters: def.namespaced ? [NAMESPACE, PRETTY] : [PRETTY],
    post: ifServed(ctx, 'create', {
      action: 'post',
      description: `create ${withArticle(def.kind)}`,
      operationId: `create${gv}${scoped}`,
      parameters: WRITE_PARAMS,
      requestBody: objectBody(ctx.schema),
      responses: responses(['200', '201', '202'], ctx.schema),
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
      responses: responses(['200'], ctx.list, JSON_AND_WATCH),
    }),
    parameters: [PRETTY],
  });
}

function nameParams(def: ResourceDef, of: string) {
  const name = pathParam('name', `name of the ${of}`);
  return def.namespaced ? [name, NAMESPACE, PRETTY] : [name, PRETTY];
}

function objectItem(ctx: KindContext) {
  const { def, gv, scoped, schema } = ctx;
  return defined({
    delete: ifServed(ctx, 'delete', {
      action: 'delete',
      description: `delete ${withArticle(def.kind)}`,
      operationId: `delete${gv}${scoped}`,
      parameters: DELETE_PARAMS,
      requestBody: objectBody(DELETE_OPTIONS, false),
      // The pod store returns the deleted (terminating) pod; the others a Status.
      responses: responses(['200', '202'], def.kind === 'Pod' ? schema : STATUS),
    }),
    get: ifServed(ctx, 'get', {
      action: 'get',
      description: `read the specified ${def.kind}`,
      operationId: `read${gv}${scoped}`,
      parameters: [],
      responses: responses(['200'], schema),
    }),
    parameters: nameParams(def, def.kind),
    patch: ifServed(ctx, 'patch', {
      action: 'patch',
      description: `partially update the specified ${def.kind}`,
      operationId: `patch${gv}${scoped}`,
      parameters: PATCH_PARAMS,
      requestBody: PATCH_BODY,
      responses: responses(['200', '201'], schema),
    }),
    put: ifServed(ctx, 'update', {
      action: 'put',
      description: `replace the specified ${def.kind}`,
      operationId: `replace${gv}${scoped}`,
      parameters: WRITE_PARAMS,
      requestBody: objectBody(schema),
      responses: responses(['200', '201'], schema),
    }),
  });
}

/** .../{name}/status or .../{name}/scale: read, replace and patch of the subresource's kind. */
function subresourceItem(ctx: KindContext, sub: 'status' | 'scale', gvk: Gvk) {
  const { def, gv, scoped } = ctx;
  const id = `${gv}${scoped}${capitalize(sub)}`;
  const of = `${sub} of the specified ${def.kind}`;
  const schema = sub === 'scale' ? SCALE : ctx.schema;
  return {
    get: operation(ctx, {
      action: 'get',
      description: `read ${of}`,
      operationId: `read${id}`,
      parameters: [],
      responses: responses(['200'], schema),
      gvk,
    }),
    parameters: nameParams(def, gvk.kind),
    patch: operation(ctx, {
      action: 'patch',
      description: `partially update ${of}`,
      operationId: `patch${id}`,
      parameters: PATCH_PARAMS,
      requestBody: PATCH_BODY,
      responses: responses(['200', '201'], schema),
      gvk,
    }),
    put: operation(ctx, {
      action: 'put',
      description: `replace ${of}`,
      operationId: `replace${id}`,
      parameters: WRITE_PARAMS,
      requestBody: objectBody(schema),
      responses: responses(['200', '201'], schema),
      gvk,
    }),
  };
}

const SCALE_GVK: Gvk = gvkOf('autoscaling', 'v1', 'Scale');

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

const SECURITY_SCHEMES = { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } };

/** The OpenAPI v3 document of "api/v1" or "apis/<g>/<v>", or undefined for a group-version not served. */
export function openapiDocument(resources: ResourceDef[], gvPath: string) {
  const gv = parseGvPath(gvPath);
  const defs = gv ? resources.filter((r) => r.group === gv.group && r.version === gv.version) : [];
  if (defs.length === 0) return undefined;
  const paths = defs.flatMap(kindPaths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    components: { schemas: components(resources, defs), securitySchemes: SECURITY_SCHEMES },
    info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
    openapi: '3.0.0',
    paths: Object.fromEntries(paths),
  };
}

/** FNV-1a 64 of the UTF-8 bytes, as 16 uppercase hex digits (16-bit limbs keep it exact in doubles). */
export function fnv1a64(text: string): string {
  // offset basis 0xcbf29ce484222325, least significant limb first
  // (plain locals and an indexed loop: documents are ~0.5 MB and this runs on a cold isolate)
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i];
    // multiply by the prime 0x100000001b3 = 2^40 + 0x1b3
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + h0 * 0x100 + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + h1 * 0x100 + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
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
