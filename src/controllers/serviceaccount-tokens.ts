// The tokens controller (pkg/controller/serviceaccount/tokens_controller.go, policy.md §7.4): a Secret of
// type kubernetes.io/service-account-token gets a legacy token, the root CA and its namespace; a token
// Secret whose ServiceAccount is gone (or is another one by uid) is deleted.
import { resKey, type ApiContext } from '../apiserver/context';
import { deleteObject, updateObject } from '../apiserver/writes';
import { issueLegacyToken } from '../auth/service-account-tokens';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { quietly } from './controller-utils';
import { ROOT_CA_CERT } from './serviceaccounts';
import type { Controller } from './types';

const SECRETS = findResource('', 'v1', 'secrets')!;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;

export const SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
const NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The secret with whatever of token, ca.crt, namespace and the uid annotation it lacks; undefined when complete. */
function filled(ctx: ApiContext, secret: KubeObject, sa: KubeObject): KubeObject | undefined {
  const { name, namespace } = secret.metadata;
  const data = secret.data ?? {};
  const annotations = secret.metadata.annotations ?? {};
  if (data.token && data['ca.crt'] && data.namespace && annotations[UID_ANNOTATION]) return undefined;
  const next = structuredClone(secret);
  next.data = { ...data };
  next.data['ca.crt'] ||= b64(ROOT_CA_CERT);
  next.data.namespace ||= b64(namespace!);
  next.data.token ||= b64(issueLegacyToken(ctx.store, namespace!, name!, { name: sa.metadata.name!, uid: sa.metadata.uid! }));
  next.metadata.annotations = { ...annotations, [NAME_ANNOTATION]: sa.metadata.name!, [UID_ANNOTATION]: sa.metadata.uid! };
  return next;
}

export const serviceAccountTokensController: Controller = {
  name: 'serviceaccount-token',
  identity: 'system:kube-controller-manager',
  reconcile(ctx) {
    for (const { obj: secret } of ctx.store.list(resKey(SECRETS), '')) {
      if (secret.type !== SERVICE_ACCOUNT_TOKEN || secret.metadata.deletionTimestamp) continue;
      const { name, namespace, annotations } = secret.metadata;
      const sa = ctx.store.get(resKey(SERVICE_ACCOUNTS), namespace!, annotations?.[NAME_ANNOTATION] ?? '')?.obj;
      const uid = annotations?.[UID_ANNOTATION];
      if (!sa || (uid && uid !== sa.metadata.uid)) {
        quietly(() => deleteObject(ctx, SECRETS, namespace!, name!));
        continue;
      }
      const next = filled(ctx, secret, sa);
      if (next) quietly(() => updateObject(ctx, SECRETS, namespace!, name!, next, ''));
    }
    return undefined;
  },
};
