// An audit record per Kubernetes API request, as the API server's audit log has it: who, which verb on
// what, the response code and the latency. Never a body, a query string or a token.
import { parseKubePath } from '../apiserver/request';
import type { AuditRecord } from './recorder';

const MAX_USER_AGENT = 256;

export interface Exchange {
  method: string;
  /** the path inside the cluster: `/api/v1/namespaces/default/pods` */
  path: string;
  query: URLSearchParams;
  userAgent: string;
  user: string;
  code: number;
  latencyMs: number;
}

/** The request as the API server reads it; a path with a malformed escape (answered 400) is non-resource. */
function parsed(x: Exchange): ReturnType<typeof parseKubePath> {
  try {
    return parseKubePath(x.method, x.path, x.query);
  } catch {
    return { kind: 'other', path: x.path };
  }
}

/** The record of one request; `seq` orders the records of the cluster, `time` is the cluster clock. */
export function auditRecord(x: Exchange, seq: number, time: number): AuditRecord {
  const r = parsed(x);
  const base = { seq, time, user: x.user, code: x.code, latencyMs: Math.max(0, Math.round(x.latencyMs)), userAgent: x.userAgent.slice(0, MAX_USER_AGENT) };
  if (r.kind === 'other') {
    // A non-resource request: the verb is the lower-cased method, as the API server's audit has it.
    return { ...base, verb: x.method.toLowerCase(), resource: '', subresource: '', namespace: '', name: '', path: r.path };
  }
  const resource = r.group ? `${r.plural}.${r.group}` : r.plural;
  return { ...base, verb: r.verb, resource, subresource: r.subresource, namespace: r.namespace, name: r.name, path: '' };
}
