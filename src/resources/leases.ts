// coordination.k8s.io/v1 Lease: ValidateLease(Update) (pkg/apis/coordination/validation) and printLease.
// Kubelets renew one per node in kube-node-lease; the node lifecycle controller reads them as heartbeats.
import { forbidden, invalid, type FieldError } from '../apiserver/field-errors';
import { isQualifiedName } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { KubeObject, ResourceDef } from './types';
import { nonNegative } from './workload-common';

/** The one built-in coordinated leader election strategy. */
const OLDEST_EMULATION_VERSION = 'OldestEmulationVersion';

function strategyErrors(strategy: string, field: string): FieldError[] {
  if (strategy === OLDEST_EMULATION_VERSION) return [];
  // Other strategies must be prefixed names such as example.com/my-strategy.
  const msgs = isQualifiedName(strategy);
  if (!strategy.includes('/')) msgs.push(`must be either "${OLDEST_EMULATION_VERSION}" or a qualified name with a domain prefix`);
  return msgs.map((m) => invalid(field, strategy, m));
}

function validate(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  errs.push(...nonNegative(spec.leaseTransitions, 'spec.leaseTransitions'));
  if (spec.strategy) errs.push(...strategyErrors(String(spec.strategy), 'spec.strategy'));
  if (spec.preferredHolder && !spec.strategy) {
    errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export const leases: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  nameRule: 'subdomain',
  generation: false,
  validate,
  columns: [
    nameColumn,
    {
      name: 'Holder',
      type: 'string',
      description: 'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
      cell: (o) => o.spec?.holderIdentity ?? '',
    },
    ageColumn,
  ],
};
