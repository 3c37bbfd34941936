// authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl auth can-i`, policy.md §7.6): may the requester do
// this? Answered by the authorizer the API server itself uses; never stored.
import { invalid } from '../apiserver/errors';
import { invalid as invalidField } from '../apiserver/field-errors';
import { authorize, type Attributes } from '../auth/rbac';
import { rbacView } from '../auth/rbac-view';
import type { ResourceDef } from './types';

const GROUP = 'authorization.k8s.io';

/** The spec as authorizer attributes; the 422s of ValidateSelfSubjectAccessReviewSpec (1.35 wording). */
function attributesOf(spec: Record<string, any>): Attributes {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  // The registry builds the error from the internal object, whose Kind is empty.
  if (!ra && !nra) {
    throw invalid('', GROUP, '', [invalidField('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')]);
  }
  if (ra && nra) {
    const value = { Path: nra.path ?? '', Verb: nra.verb ?? '' };
    throw invalid('', GROUP, '', [invalidField('spec.nonResourceAttributes', value, 'cannot be specified in combination with resourceAttributes')]);
  }
  if (nra) return { verb: nra.verb ?? '', apiGroup: '', subresource: '', namespace: '', name: '', path: nra.path ?? '' };
  return {
    verb: ra.verb ?? '',
    apiGroup: ra.group ?? '',
    resource: ra.resource ?? '',
    subresource: ra.subresource ?? '',
    namespace: ra.namespace ?? '',
    name: ra.name ?? '',
    path: '',
  };
}

export const selfsubjectaccessreviews: ResourceDef = {
  group: GROUP,
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  nameRule: 'subdomain',
  review(ctx, body) {
    const spec = body.spec ?? {};
    const user = ctx.requester ?? { username: ctx.user, groups: [] };
    const d = authorize(rbacView(ctx.store), user, attributesOf(spec));
    const status: Record<string, unknown> = { allowed: d.allowed };
    if (d.reason) status.reason = d.reason;
    return { kind: 'SelfSubjectAccessReview', apiVersion: `${GROUP}/v1`, metadata: body.metadata ?? {}, spec, status };
  },
};
