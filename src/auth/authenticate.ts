// Bearer tokens other than the owner's: service account JWTs (bound and legacy) and named users.
// Every lookup reads the current state, so a deleted service account or a revoked user fails at once.
import type { UserInfo } from '../apiserver/context';
import type { Store } from '../durable/store';
import { looksLikeJwt } from './jwt';
import { serviceAccountTokenUser } from './service-account-tokens';
import { namedUser } from './users';

/** The user of `token` (whose SHA-256 hex is `tokenHash`) at cluster time `nowMs`, or undefined (401). */
export function authenticateToken(store: Store, token: string, tokenHash: string, nowMs: number): UserInfo | undefined {
  return looksLikeJwt(token) ? serviceAccountTokenUser(store, token, nowMs) : namedUser(store, tokenHash);
}
