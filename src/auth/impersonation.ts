// Impersonation (apiserver pkg/endpoints/filters/impersonation.go): `Impersonate-User`, `-Group`, `-Uid` and
// `-Extra-<key>` headers (kubectl --as, --as-group, --as-uid). Each thing asked for is a check of the verb
// `impersonate` for the real user; the first denial is a 403. Then the request runs as the new identity.
import type { UserInfo } from '../apiserver/context';
import { badRequest, forbidden } from '../apiserver/errors';
import { authorize, forbiddenMessage, splitServiceAccount, type Attributes, type RbacView } from './rbac';

const EXTRA_PREFIX = 'impersonate-extra-';
const AUTHENTICATION_V1 = 'authentication.k8s.io/v1';

/** One impersonation request, as the v1.ObjectReference upstream builds (its `%v` is in the 400 message). */
interface Ref {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  namespace?: string;
  name: string;
  apiVersion?: string;
  /** the extra's key */
  fieldPath?: string;
}

/** Values of a header that may be repeated: the runtime joins repeats with ", ". */
const values = (v: string | null) => (v ? v.split(/,\s*/).filter(Boolean) : []);

function unescapeKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

const goRef = (r: Ref) => `{${r.kind} ${r.namespace ?? ''} ${r.name}  ${r.apiVersion ?? ''}  ${r.fieldPath ?? ''}}`;

function requestsOf(headers: Headers): Ref[] {
  const refs: Ref[] = [];
  const user = headers.get('impersonate-user') ?? '';
  if (user) {
    const sa = splitServiceAccount(user);
    refs.push(sa ? { kind: 'ServiceAccount', namespace: sa[0], name: sa[1] } : { kind: 'User', name: user });
  }
  for (const g of values(headers.get('impersonate-group'))) refs.push({ kind: 'Group', name: g });
  for (const [header, value] of headers) {
    if (!header.startsWith(EXTRA_PREFIX)) continue;
    const key = unescapeKey(header.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const v of values(value)) refs.push({ kind: 'UserExtra', name: v, apiVersion: AUTHENTICATION_V1, fieldPath: key });
  }
  const uid = headers.get('impersonate-uid') ?? '';
  if (uid) refs.push({ kind: 'UID', name: uid, apiVersion: AUTHENTICATION_V1 });
  if (refs.length && !user) throw badRequest(`requested [${refs.map(goRef).join(' ')}] without impersonating a user`);
  return refs;
}

function attributesOf(r: Ref): Attributes {
  const a: Attributes = { verb: 'impersonate', apiGroup: '', resource: '', subresource: '', namespace: '', name: r.name, path: '' };
  switch (r.kind) {
    case 'ServiceAccount':
      return { ...a, resource: 'serviceaccounts', namespace: r.namespace! };
    case 'User':
      return { ...a, resource: 'users' };
    case 'Group':
      return { ...a, resource: 'groups' };
    case 'UserExtra':
      return { ...a, apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: r.fieldPath! };
    case 'UID':
      return { ...a, apiGroup: 'authentication.k8s.io', resource: 'uids' };
  }
}

/**
 * The identity a request runs as: `requester` itself without impersonation headers, else the impersonated
 * user once every part of it was authorized. Throws 400 (groups without a user) or 403.
 */
export function impersonate(view: RbacView, requester: UserInfo, headers: Headers): UserInfo {
  const refs = requestsOf(headers);
  if (!refs.length) return requester;
  let username = '';
  let uid: string | undefined;
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  const groupsSpecified = refs.some((r) => r.kind === 'Group');
  for (const r of refs) {
    const a = attributesOf(r);
    const d = authorize(view, requester, a);
    if (!d.allowed) throw forbidden({ group: a.apiGroup, resource: a.resource! }, a.name, forbiddenMessage(requester.username, a, d.reason));
    if (r.kind === 'ServiceAccount') {
      username = `system:serviceaccount:${r.namespace}:${r.name}`;
      if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
    } else if (r.kind === 'User') username = r.name;
    else if (r.kind === 'Group') groups.push(r.name);
    else if (r.kind === 'UserExtra') (extra[r.fieldPath!] ??= []).push(r.name);
    else uid = r.name;
  }
  if (username === 'system:anonymous') {
    if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  } else if (!groups.includes('system:authenticated') && !groups.includes('system:unauthenticated')) {
    groups.push('system:authenticated');
  }
  const user: UserInfo = { username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
