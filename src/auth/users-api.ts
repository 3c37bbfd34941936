// The sandbox API's named users (owner only: sandbox-api.ts checks): POST /users creates one and shows its
// token once, GET /users lists names and groups, DELETE /users/<name> revokes.
import type { ApiContext } from '../apiserver/context';
import { alreadyExists, badRequest, forbidden, methodNotAllowed, notFound } from '../apiserver/errors';
import { readBody } from '../apiserver/body';
import { json } from '../apiserver/reads';
import { hashToken, newToken } from '../api/ids';
import { kubeconfig } from '../api/kubeconfig';
import { MAX_USERS, loadUsers, saveUsers, userBodyError } from './users';
import { decodeSegment } from '../apiserver/request';

const USERS = { group: '', resource: 'users' };

export interface UsersApiOptions {
  clusterId: string;
  insecure: boolean;
}

/** `/users` (`encodedName` undefined) or `/users/<encodedName>`. */
export async function serveUsers(ctx: ApiContext, req: Request, encodedName: string | undefined, opts: UsersApiOptions): Promise<Response> {
  if (encodedName !== undefined) {
    if (req.method !== 'DELETE') throw methodNotAllowed();
    return revoke(ctx, decodeSegment(encodedName));
  }
  if (req.method === 'GET') return json({ users: loadUsers(ctx.store).map(({ name, groups }) => ({ name, groups })) });
  if (req.method === 'POST') return create(ctx, req, opts);
  throw methodNotAllowed();
}

async function create(ctx: ApiContext, req: Request, opts: UsersApiOptions): Promise<Response> {
  let body: any;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    throw badRequest('the body must be a JSON object: {"name": "alice", "groups": ["dev"]}');
  }
  const why = userBodyError(body);
  if (why) throw badRequest(why);
  const name: string = body.name;
  const groups: string[] = body.groups ?? [];
  // Only the owner gets here: no named user may take the owner's name.
  if (name === ctx.requester?.username) throw badRequest(`name "${name}" is the cluster owner's`);
  const token = newToken();
  const tokenHash = await hashToken(token);
  // From here on nothing awaits: the read-check-write of the list cannot interleave with another request.
  const users = loadUsers(ctx.store);
  if (users.some((u) => u.name === name)) throw alreadyExists(USERS, name);
  if (users.length >= MAX_USERS) throw forbidden(USERS, name, `this cluster may have at most ${MAX_USERS} users`);
  users.push({ name, groups, tokenHash });
  saveUsers(ctx.store, users);
  const config = kubeconfig({ id: opts.clusterId, server: ctx.serverAddress, token, insecure: opts.insecure, user: name });
  return json({ name, groups, token, kubeconfig: config }, 201);
}

function revoke(ctx: ApiContext, name: string): Response {
  const users = loadUsers(ctx.store);
  const i = users.findIndex((u) => u.name === name);
  if (i < 0) throw notFound(USERS, name);
  const [gone] = users.splice(i, 1);
  saveUsers(ctx.store, users);
  return json({ name: gone.name, groups: gone.groups });
}
