// Parses a Kubernetes API path (the part after /clusters/<id>) into what the request is about.
import { badRequest } from './errors';
export type ResourceVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequest {
  kind: 'resource';
  verb: ResourceVerb;
  group: string;
  version: string;
  plural: string;
  /** '' for cluster-scoped requests and for lists across all namespaces */
  namespace: string;
  name: string;
  subresource: string;
}

export interface OtherRequest {
  kind: 'other';
  path: string;
}

const SUBRESOURCES_OF_NAMESPACES = new Set(['status', 'finalize']);

/** One percent-encoded path segment, decoded; a malformed escape is the client's error (400), not a crash. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid URL escape in "${segment}"`);
  }
}

export function parseKubePath(method: string, path: string, query: URLSearchParams): ResourceRequest | OtherRequest {
  const segs = path.split('/').filter((s) => s !== '').map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    return { kind: 'other', path: '/' + segs.join('/') };
  }

  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && SUBRESOURCES_OF_NAMESPACES.has(rest[2]))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return { kind: 'other', path: '/' + segs.join('/') };
  const [plural, name = '', subresource = ''] = rest;

  const m = method.toUpperCase();
  let verb: ResourceVerb;
  if (m === 'GET' || m === 'HEAD') verb = name ? 'get' : queryBool(query, 'watch') ? 'watch' : 'list';
  else if (m === 'POST') verb = 'create';
  else if (m === 'PUT') verb = 'update';
  else if (m === 'PATCH') verb = 'patch';
  else if (m === 'DELETE') verb = name ? 'delete' : 'deletecollection';
  else return { kind: 'other', path: '/' + segs.join('/') };

  return { kind: 'resource', verb, group, version, plural, namespace, name, subresource };
}

/** A boolean query parameter as Go's strconv.ParseBool reads it (Python's client sends `watch=True`). */
export function queryBool(q: URLSearchParams, name: string): boolean {
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(q.get(name) ?? '');
}

/**
 * The client's address as the edge reports it (Cloudflare's header, a proxy's, else the first hop of
 * X-Forwarded-For; locally 127.0.0.1): the key of per-client rate limits and of ClientIP session affinity.
 */
export function clientAddress(headers: Headers): string {
  const forwarded = (headers.get('x-forwarded-for') ?? '').split(',')[0].trim();
  return (headers.get('cf-connecting-ip')?.trim() || headers.get('x-real-ip')?.trim() || forwarded || '127.0.0.1').slice(0, 64);
}
