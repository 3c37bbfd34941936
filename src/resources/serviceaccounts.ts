// core/v1 ServiceAccount: nothing beyond ObjectMeta is validated; printServiceAccount counts `secrets`.
import { ageColumn, nameColumn } from '../apiserver/printers';
import { tokenAction } from '../auth/token-request';
import type { ResourceDef } from './types';

const SECRETS_DESCRIPTION =
  'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret';

export const serviceaccounts: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  nameRule: 'subdomain',
  generation: false,
  subresources: { actions: { token: tokenAction(() => serviceaccounts) } },
  columns: [
    nameColumn,
    { name: 'Secrets', type: 'string', description: SECRETS_DESCRIPTION, cell: (o) => (o.secrets ?? []).length },
    ageColumn,
  ],
};
