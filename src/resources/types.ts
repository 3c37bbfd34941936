// What the API server knows about one resource kind. Every file in src/resources exports one
// ResourceDef; discovery, OpenAPI, routing, tables and field selectors are derived from them.
import type { ApiContext } from '../apiserver/context';
import type { FieldError } from '../apiserver/field-errors';

/** A Kubernetes object as JSON. Objects handed to resource hooks are private copies: mutate freely. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: any;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: any[];
  finalizers?: string[];
  managedFields?: any[];
  [key: string]: any;
}

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  /** 1 = shown only with -o wide */
  priority?: number;
  description: string;
  /** The cell value; `now` is milliseconds since the epoch from the cluster clock. */
  cell: (obj: KubeObject, now: number) => string | number | boolean;
}

/**
 * Strategic-merge-patch metadata: dotted path (list elements are transparent, so
 * "spec.containers.ports" is the ports list inside each container) → how lists merge.
 * Lists not listed here are replaced wholesale, as SMP does for untagged lists.
 */
export type PatchMeta = Record<string, { strategy: 'merge' | 'retainKeys' | 'merge,retainKeys'; mergeKey?: string }>;

export interface ScaleSpec {
  /** label selector of the pods, as the string Scale.status.selector carries */
  selector: (obj: KubeObject) => string;
}

/**
 * A subresource that takes a POST of another kind (pods/binding, pods/eviction, serviceaccounts/token):
 * `handle` does the work through the write pipeline and returns the response status and body.
 */
export interface ActionSubresource {
  /** the kind the client posts, e.g. { group: 'policy', version: 'v1', kind: 'Eviction' } */
  group: string;
  version: string;
  kind: string;
  handle: (ctx: ApiContext, namespace: string, name: string, body: Record<string, any>) => { status: number; body: unknown };
}

export interface CreateContext {
  /** RFC3339 time from the cluster clock */
  now: string;
}

export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path';

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** defaults to all eight verbs */
  verbs?: Verb[];
  /**
   * `status` and `scale` subresources (scale reads spec.replicas / status.replicas), POST-only actions, and
   * `proxy` (the kind of its connect options, e.g. PodProxyOptions; served by src/apiserver/proxy.ts)
   */
  subresources?: { status?: boolean; scale?: ScaleSpec; finalize?: boolean; actions?: Record<string, ActionSubresource>; proxy?: string };
  /** how metadata.name is validated (api-fidelity §4.2) */
  nameRule: NameRule;
  /** metadata.generation is kept (set to 1 on create, +1 when anything but metadata/status changes) */
  generation?: boolean;
  /** Scheme defaulting, applied to every create and update body (mutates). */
  defaults?: (obj: KubeObject) => void;
  /** Strategy PrepareForCreate: reset status and other server-owned fields (mutates). */
  prepareForCreate?: (obj: KubeObject, ctx: CreateContext) => void;
  /** Strategy PrepareForUpdate on the main resource: copy server-owned fields from `old` (mutates obj). */
  prepareForUpdate?: (obj: KubeObject, old: KubeObject) => void;
  /** Type-specific validation of a create (metadata name/labels are checked by the pipeline). */
  validate?: (obj: KubeObject) => FieldError[];
  /** Type-specific validation of an update; defaults to `validate(obj)`. */
  validateUpdate?: (obj: KubeObject, old: KubeObject) => FieldError[];
  /** Table columns as the 1.35 printers print them; absent → Name / Created At. */
  columns?: Column[];
  /** Table row conditions (pods: Completed when Succeeded/Failed). */
  rowConditions?: (obj: KubeObject) => { type: string; status: string; reason: string; message: string }[] | undefined;
  /** Extra field selectors beyond metadata.name / metadata.namespace. */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  /** Response header `Warning: 299 - "..."` sent on every request for this resource. */
  warning?: string;
  /**
   * A kind that is never stored (SelfSubjectReview, access reviews): a POST to the collection answers 201 with
   * what `review` returns for the decoded body; other verbs are refused (list `verbs: ['create']`).
   */
  review?: (ctx: ApiContext, body: Record<string, any>) => KubeObject;
  /**
   * A check of an API request's create or update (`old` set) before admission: RBAC's escalation prevention.
   * Called by the write path only when `ctx.requester` is set; throws the error to answer.
   */
  authorizeWrite?: (ctx: ApiContext, namespace: string, obj: KubeObject, old?: KubeObject) => void;
}

export const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const apiVersionOf = (def: ResourceDef) => (def.group ? `${def.group}/${def.version}` : def.version);
