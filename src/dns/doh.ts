// DNS over HTTPS for a cluster (RFC 8484) and its JSON form (Google/Cloudflare `application/dns-json`):
//   GET  /dns-query?dns=<base64url DNS message>      POST /dns-query (application/dns-message)
//   GET  /dns-query?name=<name>&type=<type>[&cd=&do=&ct=]
// Every DNS outcome (NXDOMAIN, REFUSED, …) is HTTP 200; HTTP errors are for requests that carry no
// usable DNS question. dig and kdig cannot send an Authorization header, so the cluster token may be
// the last path segment instead: /dns-query/<token>.
import type { ApiContext } from '../apiserver/context';
import { mediaType } from '../apiserver/body';
import { ApiError, badRequest, entityTooLarge, methodNotAllowed, statusResponse } from '../apiserver/errors';
import { maxAge, respond, toJson } from './respond';
import { storeView } from './view';
import { CLASS_IN, DnsFormatError, MAX_MESSAGE, TYPE, decodeMessage, encodeMessage, nameToLabels, parseType, type Message } from './wire';

const DOH_PATH = /^\/dns-query(?:\/([^/]+))?$/;
const DNS_MESSAGE = 'application/dns-message';
const DNS_JSON = 'application/dns-json';

/** The DoH endpoint's path (on the Kubernetes side of the cluster; the caller rules out the sandbox API). */
export const isDohPath = (path: string) => DOH_PATH.test(path);

/** The token carried as the path's last segment, `/dns-query/<token>`, if any. */
export const dohPathToken = (path: string): string | undefined => DOH_PATH.exec(path)?.[1] || undefined;

export async function serveDoh(ctx: ApiContext, req: Request): Promise<Response> {
  try {
    const url = new URL(req.url);
    const q = url.searchParams;
    const accept = req.headers.get('accept') ?? '';
    const query = await readQuery(req, q);
    if (query.qr) throw badRequest('the DNS message is a response, not a query');
    const reply = respond(storeView(ctx), query);
    const headers = { 'cache-control': `max-age=${maxAge(reply)}` };
    const json = q.get('ct') === DNS_JSON || accept.includes(DNS_JSON) || (q.has('name') && !accept.includes(DNS_MESSAGE));
    if (json) return new Response(JSON.stringify(toJson(reply)), { headers: { ...headers, 'content-type': DNS_JSON } });
    return new Response(encodeMessage(reply), { headers: { ...headers, 'content-type': DNS_MESSAGE } });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (req.body && !req.bodyUsed) await discard(req.body);
    return statusResponse(e, e.code === 405 ? { allow: 'GET, POST' } : {});
  }
}

/** Reads an unwanted body to its end without keeping it: the edge streaming it in fails if it is left unread. */
async function discard(body: ReadableStream<Uint8Array>) {
  try {
    const reader = body.getReader();
    while (!(await reader.read()).done);
  } catch {
    // the client went away; nothing to drain
  }
}

async function readQuery(req: Request, q: URLSearchParams): Promise<Message> {
  if (req.method === 'POST') {
    if (mediaType(req.headers.get('content-type')) !== DNS_MESSAGE) {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of a DNS query must be ${DNS_MESSAGE}`, {});
    }
    if (Number(req.headers.get('content-length') ?? 0) > MAX_MESSAGE) throw tooLarge();
    const body = new Uint8Array(await req.arrayBuffer());
    if (body.length > MAX_MESSAGE) throw tooLarge();
    return decode(body);
  }
  if (req.method !== 'GET') throw methodNotAllowed();
  const dns = q.get('dns');
  if (dns !== null) return decode(base64url(dns));
  if (q.has('name')) return jsonQuery(q);
  throw badRequest('a DNS query needs the "dns" parameter (a base64url DNS message) or the "name" parameter');
}

const tooLarge = () => entityTooLarge(`a DNS message is at most ${MAX_MESSAGE} bytes`);

function decode(bytes: Uint8Array): Message {
  try {
    return decodeMessage(bytes);
  } catch (e) {
    if (e instanceof DnsFormatError) throw badRequest(`invalid DNS message: ${e.message}`);
    throw e;
  }
}

/** RFC 4648 §5 base64url; the padding RFC 8484 forbids is tolerated. */
function base64url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) throw badRequest('the "dns" parameter is not base64url');
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) throw badRequest('the "dns" parameter is not base64url');
  if ((bare.length * 3) / 4 > MAX_MESSAGE) throw tooLarge();
  const bin = atob(bare.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (bare.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const flag = (q: URLSearchParams, key: string): boolean => {
  const v = q.get(key);
  if (v === null || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw badRequest(`"${key}" must be one of 0, 1, false, true`);
};

/** The JSON API's parameters as a DNS query: `name` (1–253 characters), `type` (mnemonic or number, default A). */
export function jsonQuery(q: URLSearchParams): Message {
  const name = validName(q.get('name') ?? '');
  const typeParam = q.get('type');
  const type = typeParam === null || typeParam === '' ? TYPE.A : parseType(typeParam);
  if (type === undefined) throw badRequest(`"type" must be a DNS type name or a number from 1 to 65535, not "${typeParam}"`);
  const dnssecOk = flag(q, 'do');
  return {
    id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: flag(q, 'cd'), rcode: 0,
    questions: [{ name, type, class: CLASS_IN }],
    answers: [],
    authority: [],
    additional: [],
    edns: dnssecOk ? { udpSize: 4096, version: 0, dnssecOk, options: [] } : undefined,
  };
}

/** A query name as users type it: 1–253 characters, an optional trailing dot, labels of 1–63 bytes. */
export function validName(raw: string): string {
  const name = raw.endsWith('.') && raw !== '.' ? raw.slice(0, -1) : raw;
  if (raw === '' || name.length > 253) throw badRequest(`"name" must be a DNS name of 1 to 253 characters`);
  if (name === '.') return '';
  try {
    nameToLabels(name);
  } catch (e) {
    if (e instanceof DnsFormatError) throw badRequest(`"name" is not a valid DNS name: ${e.message}`);
    throw e;
  }
  return name;
}
