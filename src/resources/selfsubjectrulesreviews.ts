// authorization.k8s.io/v1 SelfSubjectRulesReview (`kubectl auth can-i --list`, policy.md §7.7): every rule the
// requester holds in a namespace, from RBAC's RulesFor; never stored. Like upstream, the answer carries no spec.
import { badRequest } from '../apiserver/errors';
import { aggregate, rulesFor } from '../auth/rbac';
import { rbacView } from '../auth/rbac-view';
import type { ResourceDef } from './types';

export const selfsubjectrulesreviews: ResourceDef = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  namespaced: false,
  verbs: ['create'],
  nameRule: 'subdomain',
  review(ctx, body) {
    const namespace = body.spec?.namespace ?? '';
    if (!namespace) throw badRequest('no namespace on request');
    const user = ctx.requester ?? { username: ctx.user, groups: [] };
    const { rules, errors } = rulesFor(rbacView(ctx.store), user, namespace);
    const status: Record<string, unknown> = {
      resourceRules: rules
        .filter((r) => r.resources?.length)
        .map((r) => ({
          verbs: r.verbs,
          ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
          resources: r.resources,
          ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
        })),
      nonResourceRules: rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      incomplete: false,
    };
    if (errors.length) status.evaluationError = aggregate(errors);
    return { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec: {}, status };
  },
};
