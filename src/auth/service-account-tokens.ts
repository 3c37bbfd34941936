// Service account tokens (policy.md §7.3, §7.4): the cluster's signing key, the claims of bound
// (TokenRequest) and legacy (Secret) tokens, and turning a presented token back into its user.
import type { UserInfo } from '../apiserver/context';
import type { Store } from '../durable/store';
import type { KubeObject } from '../resources/types';
import { LEEWAY_SECONDS, audiencesOf, newSigningKeyPem, signJwt, signingKeyFromPem, timeError, verifyJwt, type Claims, type SigningKey } from './jwt';

/** --service-account-issuer, and so the API server's one audience. */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const API_AUDIENCES = [ISSUER];
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

/** Meta key of the PKCS#8 private key, sealed with the cluster cipher. */
const KEY_META = 'sa_signing_key';
const keys = new WeakMap<Store, SigningKey>();

/**
 * The cluster's own signing key: a token of one cluster never verifies on another. Made on first use,
 * so a cluster that never issues a token never pays for RSA key generation; `create: false` only reads.
 */
export function signingKey(store: Store, create = true): SigningKey | undefined {
  let key = keys.get(store);
  if (key) return key;
  let pem = store.getSealedMeta(KEY_META);
  if (!pem) {
    if (!create) return undefined;
    pem = newSigningKeyPem();
    store.setSealedMeta(KEY_META, pem);
  }
  keys.set(store, (key = signingKeyFromPem(pem)));
  return key;
}

/** `{name, uid}` of an object a token is bound to. */
export interface Ref {
  name: string;
  uid: string;
}

export interface BoundToken {
  namespace: string;
  serviceAccount: Ref;
  audiences: string[];
  /** seconds since the epoch */
  iat: number;
  exp: number;
  pod?: Ref;
  secret?: Ref;
  node?: { name: string; uid?: string };
  warnafter?: number;
}

export const serviceAccountUsername = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

/** The claims of a bound token (claims.go); signJwt sorts the keys as go-jose does. */
export function boundClaims(t: BoundToken, jti: string): Claims {
  const k8s: Claims = { namespace: t.namespace, serviceaccount: t.serviceAccount };
  if (t.pod) k8s.pod = t.pod;
  if (t.secret) k8s.secret = t.secret;
  if (t.node) k8s.node = t.node;
  if (t.warnafter !== undefined) k8s.warnafter = t.warnafter;
  return {
    aud: t.audiences,
    exp: t.exp,
    iat: t.iat,
    iss: ISSUER,
    jti,
    'kubernetes.io': k8s,
    nbf: t.iat,
    sub: serviceAccountUsername(t.namespace, t.serviceAccount.name),
  };
}

export const issueBoundToken = (store: Store, t: BoundToken): string => signJwt(boundClaims(t, crypto.randomUUID()), signingKey(store)!);

/** The legacy (secret-based) token: no exp, iat, aud or jti (legacy.go). */
export function issueLegacyToken(store: Store, namespace: string, secretName: string, sa: Ref): string {
  return signJwt(
    {
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': sa.name,
      'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
      sub: serviceAccountUsername(namespace, sa.name),
    },
    signingKey(store)!,
  );
}

const GROUP_PREFIX = 'system:serviceaccounts';

/** serviceaccount.UserInfo: the user a valid token authenticates as. */
function serviceAccountUser(namespace: string, sa: Ref, extra?: Record<string, string[]>): UserInfo {
  const user: UserInfo = {
    username: serviceAccountUsername(namespace, sa.name),
    uid: sa.uid,
    groups: [GROUP_PREFIX, `${GROUP_PREFIX}:${namespace}`, 'system:authenticated'],
  };
  if (extra && Object.keys(extra).length) user.extra = extra;
  return user;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const refOf = (v: unknown): Ref | undefined =>
  v && typeof v === 'object' && str((v as Ref).name) ? { name: (v as Ref).name, uid: str((v as Ref).uid) } : undefined;

/** Store keys (`<group>/<plural>`) of the kinds a token names. */
const RES = { serviceaccounts: '/serviceaccounts', pods: '/pods', secrets: '/secrets', nodes: '/nodes' };

/** An object a token names is still there: same uid, and not deleting for longer than the leeway. */
function alive(store: Store, res: string, namespace: string, ref: Ref, nowMs: number): KubeObject | undefined {
  const obj = store.get(res, namespace, ref.name)?.obj;
  if (!obj || obj.metadata.uid !== ref.uid) return undefined;
  const deleting = obj.metadata.deletionTimestamp ? Date.parse(obj.metadata.deletionTimestamp) : undefined;
  if (deleting !== undefined && deleting < nowMs - LEEWAY_SECONDS * 1000) return undefined;
  return obj;
}

/** A bound token's user, if its times, audience, service account and bound objects all still hold. */
function boundUser(store: Store, claims: Claims, nowMs: number): UserInfo | undefined {
  if (timeError(claims, Math.floor(nowMs / 1000))) return undefined;
  if (!audiencesOf(claims).some((a) => API_AUDIENCES.includes(a))) return undefined;
  const k8s = claims['kubernetes.io'] as Record<string, unknown> | undefined;
  const namespace = str(k8s?.namespace);
  const sa = refOf(k8s?.serviceaccount);
  if (!k8s || !namespace || !sa || !alive(store, RES.serviceaccounts, namespace, sa, nowMs)) return undefined;
  const pod = refOf(k8s.pod);
  const secret = refOf(k8s.secret);
  const node = refOf(k8s.node);
  if (pod && !alive(store, RES.pods, namespace, pod, nowMs)) return undefined;
  if (secret && !alive(store, RES.secrets, namespace, secret, nowMs)) return undefined;
  // A pod-bound token carries its node for information only: the node going away does not invalidate it.
  if (node && !pod && !alive(store, RES.nodes, '', node, nowMs)) return undefined;
  const extra: Record<string, string[]> = {};
  if (str(claims.jti)) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  if (node) {
    extra['authentication.kubernetes.io/node-name'] = [node.name];
    if (node.uid) extra['authentication.kubernetes.io/node-uid'] = [node.uid];
  }
  if (pod) {
    extra['authentication.kubernetes.io/pod-name'] = [pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
  }
  return serviceAccountUser(namespace, sa, extra);
}

/** A legacy token's user while its Secret holds exactly this token and its service account is the same one. */
function legacyUser(store: Store, token: string, claims: Claims): UserInfo | undefined {
  const c = (k: string) => str(claims[`kubernetes.io/serviceaccount/${k}`]);
  const namespace = c('namespace');
  const secret = store.get(RES.secrets, namespace, c('secret.name'))?.obj;
  if (!secret || secret.metadata.deletionTimestamp) return undefined;
  if (secret.metadata.labels?.['kubernetes.io/legacy-token-invalid-since'] !== undefined) return undefined;
  if (Buffer.from(str(secret.data?.token), 'base64').toString('utf8') !== token) return undefined;
  const sa = { name: c('service-account.name'), uid: c('service-account.uid') };
  const current = store.get(RES.serviceaccounts, namespace, sa.name)?.obj;
  if (!current || current.metadata.deletionTimestamp || current.metadata.uid !== sa.uid) return undefined;
  return serviceAccountUser(namespace, sa);
}

/** The service account a JWT signed by this cluster authenticates, judged at cluster time `nowMs`; else undefined. */
export function serviceAccountTokenUser(store: Store, token: string, nowMs: number): UserInfo | undefined {
  const key = signingKey(store, false);
  const claims = key && verifyJwt(token, key);
  if (!claims) return undefined;
  if (claims.iss === ISSUER) return boundUser(store, claims, nowMs);
  if (claims.iss === LEGACY_ISSUER) return legacyUser(store, token, claims);
  return undefined;
}
