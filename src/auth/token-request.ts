// POST serviceaccounts/<name>/token (pkg/registry/core/serviceaccount/storage/token.go, policy.md §7.1):
// checks in upstream's order, so the same error wins; answers 201 with the TokenRequest and its JWT.
import { namespaceLifecycle } from '../admission/namespace-lifecycle';
import { grOf, resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { badRequest, conflict, invalid, notFound } from '../apiserver/errors';
import { invalid as invalidField } from '../apiserver/field-errors';
import { isPlainObject } from '../apiserver/json-util';
import type { ActionSubresource, KubeObject, ResourceDef } from '../resources/types';
import { API_AUDIENCES, issueBoundToken, type BoundToken, type Ref } from './service-account-tokens';

const GROUP = 'authentication.k8s.io';
const KIND = 'TokenRequest';
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** The kubelet's projected token asks for exactly this, which --service-account-extend-token-expiration extends. */
const WARN_ONLY_EXPIRATION_SECONDS = 3607;
const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600;

/** The decoder's refusal of a field of the wrong JSON type. */
function cannotUnmarshal(value: unknown, field: string, type: string) {
  const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return badRequest(`${KIND} in version "v1" cannot be handled as a ${KIND}: json: cannot unmarshal ${got} into Go struct field ${field} of type ${type}`);
}

interface Spec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef: Record<string, string> | null;
}

/** The spec as the decoder and SetDefaults_TokenRequestSpec leave it. */
function decodeSpec(body: Record<string, any>): Spec {
  const spec = body.spec ?? {};
  if (!isPlainObject(spec)) throw cannotUnmarshal(spec, 'TokenRequest.spec', 'v1.TokenRequestSpec');
  const audiences = spec.audiences ?? [];
  if (!Array.isArray(audiences)) throw cannotUnmarshal(audiences, 'TokenRequestSpec.spec.audiences', '[]string');
  for (const a of audiences) if (typeof a !== 'string') throw cannotUnmarshal(a, 'TokenRequestSpec.spec.audiences', 'string');
  const seconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds)) throw cannotUnmarshal(seconds, 'TokenRequestSpec.spec.expirationSeconds', 'int64');
  const ref = spec.boundObjectRef ?? null;
  if (ref !== null) {
    if (!isPlainObject(ref)) throw cannotUnmarshal(ref, 'TokenRequestSpec.spec.boundObjectRef', 'v1.BoundObjectReference');
    for (const k of ['kind', 'apiVersion', 'name', 'uid']) {
      if (ref[k] != null && typeof ref[k] !== 'string') throw cannotUnmarshal(ref[k], `BoundObjectReference.spec.boundObjectRef.${k}`, 'string');
    }
  }
  const boundObjectRef = ref && Object.fromEntries(['kind', 'apiVersion', 'name', 'uid'].filter((k) => ref[k]).map((k) => [k, ref[k] as string]));
  return { audiences: audiences.length ? audiences : [...API_AUDIENCES], expirationSeconds: seconds, boundObjectRef };
}

/** The object a token is bound to, checked as token.go does; fills the token's pod/secret/node claims. */
function bindTo(ctx: ApiContext, namespace: string, saName: string, ref: Record<string, string>, token: BoundToken) {
  const [group, version] = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion.split('/', 2) : ['', ref.apiVersion ?? ''];
  const kind = ref.kind ?? '';
  const get = (plural: string, ns: string): KubeObject => {
    const obj = ctx.store.get(resKey({ group: '', plural }), ns, ref.name ?? '')?.obj;
    if (!obj) throw notFound({ group: '', resource: plural }, ref.name ?? '');
    return obj;
  };
  let obj: KubeObject;
  if (group === '' && kind === 'Pod') {
    obj = get('pods', namespace);
    if ((obj.spec?.serviceAccountName || 'default') !== saName) {
      throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    }
    token.pod = { name: obj.metadata.name!, uid: obj.metadata.uid! };
    const nodeName: string | undefined = obj.spec?.nodeName;
    // A scheduled pod's token names its node too; a node that is gone is named without a uid.
    if (nodeName) {
      const nodeUid = ctx.store.get(resKey({ group: '', plural: 'nodes' }), '', nodeName)?.obj.metadata.uid;
      token.node = nodeUid ? { name: nodeName, uid: nodeUid } : { name: nodeName };
    }
  } else if (group === '' && kind === 'Node') {
    obj = get('nodes', '');
    token.node = { name: obj.metadata.name!, uid: obj.metadata.uid! };
  } else if (group === '' && kind === 'Secret') {
    obj = get('secrets', namespace);
    token.secret = { name: obj.metadata.name!, uid: obj.metadata.uid! };
  } else {
    throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
  }
  if (ref.uid && ref.uid !== obj.metadata.uid) {
    throw conflict(
      { group: '', resource: kind },
      ref.name,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
}

function createToken(serviceaccounts: ResourceDef, ctx: ApiContext, namespace: string, name: string, body: Record<string, any>) {
  const meta = body.metadata ?? {};
  if (!isPlainObject(meta)) throw cannotUnmarshal(meta, 'TokenRequest.metadata', 'v1.ObjectMeta');
  // Mutating admission runs before the registry: NamespaceLifecycle refuses a missing or terminating namespace.
  namespaceLifecycle(ctx, { operation: 'CREATE', def: serviceaccounts, subresource: 'token', namespace, object: { metadata: { name } }, user: ctx.user, dryRun: false });
  if (meta.name && meta.name !== name) {
    throw invalid(KIND, GROUP, name, [invalidField('metadata.name', meta.name, 'must match the service account name if specified')]);
  }
  if (meta.namespace && meta.namespace !== namespace) {
    throw invalid(KIND, GROUP, name, [invalidField('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);
  }
  const sa = ctx.store.get(resKey(serviceaccounts), namespace, name)?.obj;
  if (!sa) throw notFound(grOf(serviceaccounts), name);
  const saRef: Ref = { name, uid: sa.metadata.uid! };
  if (meta.uid && meta.uid !== saRef.uid) {
    throw conflict({ group: GROUP, resource: KIND }, name, `the UID in the token request (${meta.uid}) does not match the UID of the service account (${saRef.uid})`);
  }
  const spec = decodeSpec(body);
  if (spec.expirationSeconds < MIN_EXPIRATION_SECONDS) {
    throw invalid(KIND, GROUP, '', [invalidField('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 10 minutes')]);
  }
  if (spec.expirationSeconds > MAX_EXPIRATION_SECONDS) {
    throw invalid(KIND, GROUP, '', [invalidField('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration larger than 2^32 seconds')]);
  }
  const nowMs = ctx.now();
  const iat = Math.floor(nowMs / 1000);
  const token: BoundToken = { namespace, serviceAccount: saRef, audiences: spec.audiences, iat, exp: iat + spec.expirationSeconds };
  if (spec.boundObjectRef) bindTo(ctx, namespace, name, spec.boundObjectRef, token);
  if (token.pod && spec.expirationSeconds === WARN_ONLY_EXPIRATION_SECONDS && spec.audiences.every((a) => API_AUDIENCES.includes(a))) {
    token.warnafter = token.exp;
    token.exp = iat + EXTENDED_EXPIRATION_SECONDS;
  }
  return {
    status: 201,
    body: {
      kind: KIND,
      apiVersion: `${GROUP}/v1`,
      metadata: { name, namespace, uid: saRef.uid, creationTimestamp: rfc3339(nowMs) },
      spec,
      status: { token: issueBoundToken(ctx.store, token), expirationTimestamp: rfc3339((iat + spec.expirationSeconds) * 1000) },
    },
  };
}

/** serviceaccounts/token; `serviceaccounts` is read on use because serviceaccounts.ts builds this table. */
export const tokenAction = (serviceaccounts: () => ResourceDef): ActionSubresource => ({
  group: GROUP,
  version: 'v1',
  kind: KIND,
  handle: (...a) => createToken(serviceaccounts(), ...a),
});
