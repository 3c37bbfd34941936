// ServiceAccount (plugin/pkg/admission/serviceaccount), policy.md §1.1: on pod create, default the service
// account to `default`, refuse one that does not exist, mount the projected API token volume
// (kube-api-access-<random>) into every container and init container, and copy the account's
// imagePullSecrets. Mirror pods are not changed, only checked.
import { resKey, type ApiContext } from '../apiserver/context';
import { generatedName } from '../apiserver/names';
import type { KubeObject } from '../resources/types';
import { admissionForbidden, type Attributes } from './types';

const SERVICE_ACCOUNTS = { group: '', plural: 'serviceaccounts' };
const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const ENFORCE_MOUNTABLE_SECRETS = 'kubernetes.io/enforce-mountable-secrets';
/** The spellings strconv.ParseBool reads as true. */
const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** The bound token, the cluster CA and the namespace, as the 1.35 plugin projects them. */
export function tokenVolume(name: string) {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/**
 * The v1 conversion of the deprecated `spec.serviceAccount`: read when serviceAccountName is empty, and
 * always written back as serviceAccountName's value (omitted when empty).
 */
export function syncDeprecatedServiceAccount(spec: any) {
  const name = spec.serviceAccountName || spec.serviceAccount || '';
  if (name) spec.serviceAccountName = spec.serviceAccount = name;
  else {
    delete spec.serviceAccountName;
    delete spec.serviceAccount;
  }
}

/** shouldAutomount: the pod's setting wins, then the account's, else true. */
const shouldAutomount = (pod: KubeObject, sa: KubeObject) =>
  typeof pod.spec.automountServiceAccountToken === 'boolean'
    ? pod.spec.automountServiceAccountToken
    : sa.automountServiceAccountToken !== false;

/**
 * mountServiceAccountToken: reuses a `kube-api-access-*` volume if the pod has one; containers that already
 * mount something at the token path are left alone; the volume is added only if some container got the mount.
 */
export function mountServiceAccountToken(spec: any, random?: () => number) {
  const volumes = list(spec.volumes);
  const existing = volumes.find((v) => typeof v?.name === 'string' && v.name.startsWith(VOLUME_PREFIX));
  const name: string = existing?.name ?? generatedName(VOLUME_PREFIX, random);
  let mounted = false;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    if (!c || typeof c !== 'object' || list(c.volumeMounts).some((m) => m?.mountPath === TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...list(c.volumeMounts), { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
    mounted = true;
  }
  if (!existing && mounted) spec.volumes = [...volumes, tokenVolume(name)];
}

/** Whether the pod names any secret (podutil.VisitPodSecretNames over all containers). */
function referencesSecrets(spec: any): boolean {
  if (list(spec.imagePullSecrets).length) return true;
  const secretRefs = ['secretRef', 'nodePublishSecretRef', 'controllerPublishSecretRef', 'nodeStageSecretRef'];
  for (const v of list(spec.volumes)) {
    for (const src of Object.values(v ?? {})) {
      if (!src || typeof src !== 'object') continue;
      const s = src as any;
      if (s.secretName || secretRefs.some((k) => s[k])) return true;
      if (list(s.sources).some((p) => p?.secret)) return true;
    }
  }
  const containers = [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
  return containers.some(
    (c) => list(c?.env).some((e) => e?.valueFrom?.secretKeyRef) || list(c?.envFrom).some((e) => e?.secretRef),
  );
}

/** The Validate rules for mirror pods (the kubelet's static pods), which are never mutated. */
function mirrorPodError(spec: any): string | undefined {
  if (spec.serviceAccountName) return 'a mirror pod may not reference service accounts';
  if (referencesSecrets(spec)) return 'a mirror pod may not reference secrets';
  const projectsToken = list(spec.volumes).some((v) => list(v?.projected?.sources).some((s) => s?.serviceAccountToken));
  if (projectsToken) return 'a mirror pod may not use ServiceAccountToken volume projections';
  return undefined;
}

/** limitSecretReferences, for accounts annotated kubernetes.io/enforce-mountable-secrets=true (deprecated). */
function mountableSecretsError(spec: any, sa: KubeObject): string | undefined {
  const saName = sa.metadata.name;
  const mountable = new Set(list(sa.secrets).map((s) => s?.name));
  for (const v of list(spec.volumes)) {
    const s = v?.secret?.secretName;
    if (v?.secret && !mountable.has(s)) {
      return `volume with secret.secretName="${s ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  for (const [kind, key] of [['init container', 'initContainers'], ['container', 'containers']]) {
    for (const c of list(spec[key])) {
      for (const e of list(c?.env)) {
        const ref = e?.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(ref.name)) {
          return `${kind} ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
    }
  }
  const pullable = new Set(list(sa.imagePullSecrets).map((s) => s?.name));
  const i = list(spec.imagePullSecrets).findIndex((s) => !pullable.has(s?.name));
  if (i >= 0) {
    return `imagePullSecrets[${i}].name="${spec.imagePullSecrets[i]?.name ?? ''}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

/**
 * getServiceAccount. Upstream retries a missing `default` account for up to ~2 s because the service account
 * controller creates it right after the namespace; here that controller always runs in the control-plane
 * pass right after the write, well inside that window, so a missing `default` is the account it is about to
 * create (no settings). Any other missing account is refused at once, as upstream does after one lookup.
 */
function serviceAccount(ctx: ApiContext, namespace: string, name: string): KubeObject | undefined {
  const sa = ctx.store.get(resKey(SERVICE_ACCOUNTS), namespace, name)?.obj;
  if (sa || name !== DEFAULT_SERVICE_ACCOUNT) return sa;
  return { metadata: { name, namespace } };
}

export function serviceAccountAdmit(ctx: ApiContext, a: Attributes) {
  if (a.def.group !== '' || a.def.plural !== 'pods' || a.subresource) return;
  const pod = a.object;
  if (!pod.spec || typeof pod.spec !== 'object') return; // validation refuses it
  syncDeprecatedServiceAccount(pod.spec);
  if (a.operation !== 'CREATE') return;
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) {
    const err = mirrorPodError(pod.spec);
    if (err) throw admissionForbidden(a, err);
    return;
  }
  const name: string = pod.spec.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
  pod.spec.serviceAccountName = pod.spec.serviceAccount = name;
  const sa = serviceAccount(ctx, a.namespace, name);
  if (!sa) throw admissionForbidden(a, `error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
  if (shouldAutomount(pod, sa)) mountServiceAccountToken(pod.spec);
  if (!list(pod.spec.imagePullSecrets).length && list(sa.imagePullSecrets).length) {
    pod.spec.imagePullSecrets = list(sa.imagePullSecrets).map((s) => ({ name: s?.name }));
  }
  if (GO_TRUE.includes(sa.metadata.annotations?.[ENFORCE_MOUNTABLE_SECRETS] ?? '')) {
    const err = mountableSecretsError(pod.spec, sa);
    if (err) throw admissionForbidden(a, err);
  }
}
