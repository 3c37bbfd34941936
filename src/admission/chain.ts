// The admission chain of the write path (policy.md §1). Upstream runs the enabled plugins of one fixed
// order twice: every mutating (Admit) plugin, then — after the registry has defaulted, named and validated
// the object — every validating plugin, in the same order. kube-apiserver 1.35's default order is:
//
//   NamespaceLifecycle, LimitRanger, ServiceAccount, TaintNodesByCondition, PodSecurity, Priority,
//   DefaultTolerationSeconds, DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize,
//   RuntimeClass, CertificateApproval/Signing/SubjectRestriction, ClusterTrustBundleAttest, DefaultIngressClass,
//   PodTopologyLabels, MutatingAdmissionPolicy, MutatingAdmissionWebhook, ValidatingAdmissionPolicy,
//   ValidatingAdmissionWebhook, ResourceQuota (always last).
//
// Implemented here: NamespaceLifecycle, LimitRanger, ServiceAccount, DefaultTolerationSeconds,
// DefaultStorageClass, ResourceQuota. A new plugin goes into its place in that order, in one or both of the
// phases below.
import type { ApiContext } from '../apiserver/context';
import { defaultStorageClass } from './default-storage-class';
import { defaultTolerationSeconds } from './default-toleration-seconds';
import { limitRangerAdmit, limitRangerValidate } from './limit-ranger';
import { namespaceLifecycle } from './namespace-lifecycle';
import { resourceQuotaValidate } from './resource-quota';
import { serviceAccountAdmit } from './service-account';
import type { Attributes } from './types';

/** Phase 1, before validation: may change `a.object`; throws the first plugin's refusal. */
export function mutatingAdmission(ctx: ApiContext, a: Attributes) {
  namespaceLifecycle(ctx, a);
  limitRangerAdmit(ctx, a);
  serviceAccountAdmit(ctx, a);
  defaultTolerationSeconds(a);
  defaultStorageClass(ctx, a);
}

/** Phase 2, after validation and right before storage: checks, and (unless dry run) charges quota. */
export function validatingAdmission(ctx: ApiContext, a: Attributes) {
  limitRangerValidate(ctx, a);
  resourceQuotaValidate(ctx, a);
}
