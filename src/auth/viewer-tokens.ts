// Read-only viewer tokens for the live view (owner only: sandbox-api.ts checks). A viewer token opens the
// live view's WebSocket and nothing else: the API's authentication never looks at this list. Kept as one
// JSON value in the Durable Object's meta, the token only as its SHA-256.
import type { ApiContext } from '../apiserver/context';
import { alreadyExists, badRequest, forbidden, methodNotAllowed, notFound } from '../apiserver/errors';
import { readBody } from '../apiserver/body';
import { json } from '../apiserver/reads';
import { hashToken, newToken } from '../api/ids';
import type { Store } from '../durable/store';
import { decodeSegment } from '../apiserver/request';

interface StoredViewer {
  name: string;
  tokenHash: string;
  createdAt: string;
}

const META = 'viewer_tokens';
/** Most viewer tokens a cluster may have. */
export const MAX_VIEWER_TOKENS = 20;
const VIEWERS = { group: '', resource: 'viewer-tokens' };
/** A DNS label: it also names the socket tag `viewer:<name>`. */
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const BODY_HINT = 'the body must be empty or a JSON object: {"name": "docs-embed"}';

const load = (store: Store): StoredViewer[] => JSON.parse(store.getMeta(META) ?? '[]');
const save = (store: Store, viewers: StoredViewer[]) => store.setMeta(META, JSON.stringify(viewers));

/** The name of the viewer whose token hashes to `tokenHash`. */
export const viewerOf = (store: Store, tokenHash: string): string | undefined => load(store).find((v) => v.tokenHash === tokenHash)?.name;

export interface ViewerApiOptions {
  /** ends the live-view sockets the revoked token opened */
  revoked: (name: string) => void;
}

/** `/viewer-tokens` (`encodedName` undefined) or `/viewer-tokens/<encodedName>`. */
export async function serveViewerTokens(ctx: ApiContext, req: Request, encodedName: string | undefined, opts: ViewerApiOptions): Promise<Response> {
  if (encodedName !== undefined) {
    if (req.method !== 'DELETE') throw methodNotAllowed();
    return revoke(ctx, decodeSegment(encodedName), opts);
  }
  if (req.method === 'GET') return json({ viewerTokens: load(ctx.store).map(({ name, createdAt }) => ({ name, createdAt })) });
  if (req.method === 'POST') return create(ctx, req);
  throw methodNotAllowed();
}

async function create(ctx: ApiContext, req: Request): Promise<Response> {
  const text = await readBody(req);
  let body: unknown = {};
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest(BODY_HINT);
    }
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(BODY_HINT);
  const given = (body as { name?: unknown }).name;
  if (given !== undefined && (typeof given !== 'string' || !NAME.test(given))) {
    throw badRequest('name must be a DNS label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
  }
  const token = newToken();
  const tokenHash = await hashToken(token);
  // From here on nothing awaits: the read-check-write of the list cannot interleave with another request.
  const viewers = load(ctx.store);
  const name = (given as string | undefined) ?? `viewer-${tokenHash.slice(0, 8)}`;
  if (viewers.some((v) => v.name === name)) throw alreadyExists(VIEWERS, name);
  if (viewers.length >= MAX_VIEWER_TOKENS) throw forbidden(VIEWERS, name, `this cluster may have at most ${MAX_VIEWER_TOKENS} viewer tokens`);
  const createdAt = new Date(ctx.now()).toISOString();
  viewers.push({ name, tokenHash, createdAt });
  save(ctx.store, viewers);
  const url = `${ctx.serverAddress}/ui?token=${encodeURIComponent(token)}`;
  const embed = `<iframe src="${url}" width="100%" height="600" style="border:0" title="Kubernetes sandbox live view" loading="lazy"></iframe>`;
  return json({ name, token, createdAt, url, embed }, 201);
}

function revoke(ctx: ApiContext, name: string, opts: ViewerApiOptions): Response {
  const viewers = load(ctx.store);
  const i = viewers.findIndex((v) => v.name === name);
  if (i < 0) throw notFound(VIEWERS, name);
  const [gone] = viewers.splice(i, 1);
  save(ctx.store, viewers);
  opts.revoked(gone.name);
  return json({ name: gone.name, createdAt: gone.createdAt });
}
