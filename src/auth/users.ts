// Named users of a cluster (for RBAC tutorials): a name, groups and the SHA-256 of a bearer token,
// kept as one JSON value in the Durable Object's meta. The token itself is never stored.
import type { UserInfo } from '../apiserver/context';
import type { Store } from '../durable/store';

export interface StoredUser {
  name: string;
  groups: string[];
  tokenHash: string;
}

const USERS_META = 'users';
/** Most named users a cluster may have. */
export const MAX_USERS = 100;

export const loadUsers = (store: Store): StoredUser[] => JSON.parse(store.getMeta(USERS_META) ?? '[]');

export const saveUsers = (store: Store, users: StoredUser[]) => store.setMeta(USERS_META, JSON.stringify(users));

/** The user whose token hashes to `tokenHash`: `{name, groups + system:authenticated}`. */
export function namedUser(store: Store, tokenHash: string): UserInfo | undefined {
  const u = loadUsers(store).find((x) => x.tokenHash === tokenHash);
  return u && { username: u.name, groups: [...u.groups, 'system:authenticated'] };
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._@-]{0,251}[A-Za-z0-9])?$/;
const GROUP = /^[A-Za-z0-9](?:[A-Za-z0-9._@:-]{0,251}[A-Za-z0-9])?$/;
const MAX_GROUPS = 20;

/** Why `{name, groups}` cannot be a user, or undefined. `system:` names are the cluster's own identities. */
export function userBodyError(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object: {"name": "alice", "groups": ["dev"]}';
  const { name, groups = [] } = body as { name?: unknown; groups?: unknown };
  if (typeof name !== 'string' || !name) return 'name is required';
  if (name.startsWith('system:')) return 'name may not start with "system:"';
  if (!NAME.test(name)) return 'name must be at most 253 characters of letters, digits, ".", "_", "@" and "-", starting and ending with a letter or digit';
  if (!Array.isArray(groups)) return 'groups must be a list of strings';
  if (groups.length > MAX_GROUPS) return `groups may have at most ${MAX_GROUPS} entries`;
  for (const g of groups) {
    if (typeof g !== 'string') return 'groups must be a list of strings';
    if (g.startsWith('system:')) return `group "${g}" may not start with "system:"`;
    if (!GROUP.test(g)) return `group "${g}" must be at most 253 characters of letters, digits, ".", "_", "@", ":" and "-", starting and ending with a letter or digit`;
  }
  if (new Set(groups).size !== groups.length) return 'groups must not repeat';
  return undefined;
}
