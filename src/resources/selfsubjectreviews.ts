// authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`, policy.md §7.5): the server ignores
// the body and answers with the requester as authentication found it. Never stored.
import { rfc3339 } from '../apiserver/context';
import type { ResourceDef } from './types';

export const selfsubjectreviews: ResourceDef = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs: ['create'],
  nameRule: 'subdomain',
  review(ctx) {
    const user = ctx.requester;
    // UserInfo's fields are all omitempty.
    const userInfo: Record<string, unknown> = {};
    if (user?.username) userInfo.username = user.username;
    if (user?.uid) userInfo.uid = user.uid;
    if (user?.groups.length) userInfo.groups = user.groups;
    if (user?.extra && Object.keys(user.extra).length) userInfo.extra = user.extra;
    return {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: rfc3339(ctx.now()) },
      status: { userInfo },
    };
  },
};
