// GET /resolve?name=<name>&from=<namespace>/<pod>|<namespace>[&type=A]: a lookup as a pod would make it
// (sandbox API). The pod's search path and ndots (kubelet, ClusterFirst) expand the name as glibc does;
// each candidate goes to the cluster DNS until one has answers. `from` defaults to namespace "default".
// The reply lists every candidate tried with its rcode and, when it failed, why.
import { grOf, resKey, type ApiContext } from '../apiserver/context';
import { badRequest, methodNotAllowed, notFound } from '../apiserver/errors';
import { json } from '../apiserver/reads';
import { findResource } from '../resources/registry';
import { validName } from './doh';
import { resolve } from './records';
import { jsonRecord } from './respond';
import { candidates, resolvConf } from './search';
import { storeView } from './view';
import { RCODE, RCODE_NAMES, TYPE, parseType, typeName } from './wire';

const PODS = findResource('', 'v1', 'pods')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;

export function resolveResponse(ctx: ApiContext, req: Request): Response {
  if (req.method !== 'GET') throw methodNotAllowed();
  const q = new URL(req.url).searchParams;
  if (!q.get('name')) throw badRequest('"name" is required: the name to look up, as a program in the pod would');
  const name = validName(q.get('name')!);
  if (name === '') throw badRequest('"name" must not be the root');
  const absolute = q.get('name')!.endsWith('.');
  const typeParam = q.get('type');
  const type = typeParam ? parseType(typeParam) : TYPE.A;
  if (type === undefined) throw badRequest(`"type" must be a DNS type name or a number from 1 to 65535, not "${typeParam}"`);

  const from = q.get('from') || 'default';
  const m = /^([^/]+)(?:\/([^/]+))?$/.exec(from);
  if (!m) throw badRequest(`"from" must be "<namespace>/<pod>" or "<namespace>", not "${from}"`);
  const [, namespace, podName] = m;
  let dnsConfig;
  if (podName) {
    const pod = ctx.store.get(resKey(PODS), namespace, podName)?.obj as any;
    if (!pod) throw notFound(grOf(PODS), podName);
    dnsConfig = pod.spec?.dnsConfig;
  } else if (!ctx.store.get(resKey(NAMESPACES), '', namespace)) {
    throw notFound(grOf(NAMESPACES), namespace);
  }

  const conf = resolvConf(namespace, dnsConfig);
  const view = storeView(ctx);
  const tried = [];
  let answer: ReturnType<typeof resolve> | undefined;
  for (const candidate of candidates(absolute ? `${name}.` : name, conf)) {
    const a = resolve(view, candidate, type);
    const positive = a.rcode === RCODE.NOERROR && a.answers.length > 0;
    tried.push({ name: `${candidate}.`, rcode: RCODE_NAMES.get(a.rcode) ?? String(a.rcode), answers: a.answers.length, ...(positive ? {} : { why: a.why }) });
    answer = a;
    // glibc goes on after NXDOMAIN and NODATA; anything else ends the search.
    if (positive || (a.rcode !== RCODE.NXDOMAIN && a.rcode !== RCODE.NOERROR)) break;
  }
  const found = answer && answer.answers.length > 0;
  return json({
    name: q.get('name'),
    type: typeName(type),
    from: podName ? { namespace, pod: podName } : { namespace },
    search: conf.search,
    ndots: conf.ndots,
    rcode: found ? 'NOERROR' : tried.some((t) => t.rcode === 'NOERROR') ? 'NOERROR' : tried[tried.length - 1].rcode,
    answers: found ? answer!.answers.map(jsonRecord) : [],
    tried,
  });
}
