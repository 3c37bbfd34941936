// GET /v1/clusters/<id>/pods/<namespace>/<name>/env: the environment each container of a pod started
// with (service variables from the snapshot its kubelet took at the start, envFrom and env resolved
// now). JSON by default; `Accept: text/plain` prints one container's `NAME=value` lines as `env` does.
import { resKey, type ApiContext } from '../apiserver/context';
import { ApiError, badRequest, methodNotAllowed, notAcceptable, notFound } from '../apiserver/errors';
import { json } from '../apiserver/reads';
import type { KubeObject } from '../resources/types';
import { containerEnv, type EnvLookups, type EnvVar, type PodRuntime } from './service-env';
import { decodeSegment } from '../apiserver/request';

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

interface ContainerEnvView {
  name: string;
  init?: true;
  /** false: the container never started, so it has no environment yet */
  started: boolean;
  startedAt?: string;
  env?: EnvVar[];
  /** why the kubelet could not build the environment (a missing ConfigMap, Secret or key) */
  error?: string;
}

/** text/plain or JSON, whichever the Accept header names first; a header that allows neither is refused. */
function wantsText(accept: string | null): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    if (type === 'text/plain' || type === 'text/*') return true;
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return false;
  }
  throw notAcceptable('the pod environment is served as application/json or text/plain');
}

export function serveEnv(ctx: ApiContext, req: Request, rawNamespace: string, rawName: string): Response {
  if (req.method !== 'GET') throw methodNotAllowed();
  const namespace = decodeSegment(rawNamespace);
  const name = decodeSegment(rawName);
  const text = wantsText(req.headers.get('accept'));
  const pod = ctx.store.get(resKey({ group: '', plural: 'pods' }), namespace, name)?.obj;
  if (!pod) throw notFound({ group: '', resource: 'pods' }, name);
  const inits = list(pod.spec?.initContainers).map((c) => ({ c, init: true }));
  const all = [...inits, ...list(pod.spec?.containers).map((c) => ({ c, init: false }))];
  const wanted = new URL(req.url).searchParams.get('container') || (text ? defaultContainer(pod) : undefined);
  const chosen = wanted ? all.filter(({ c }) => c?.name === wanted) : all;
  if (!chosen.length) throw new ApiError(404, 'NotFound', `container "${wanted}" not found in pod "${name}"`, { name, kind: 'pods' });

  const runtime: PodRuntime | undefined = JSON.parse(ctx.store.getRuntime(pod.metadata.uid!) ?? 'null') ?? undefined;
  const lookups = envLookups(ctx, pod);
  const views = chosen.map(({ c, init }): ContainerEnvView => {
    const started = runtime?.containers[c.name];
    const view: ContainerEnvView = { name: c.name, ...(init ? { init: true as const } : {}), started: !!started };
    if (!started) return view;
    if (started.startedAt) view.startedAt = started.startedAt;
    return { ...view, ...containerEnv(pod, c, started.services, lookups) };
  });
  if (!text) return json({ pod: { namespace, name, uid: pod.metadata.uid }, containers: views });

  const v = views[0];
  if (!v.started) throw badRequest(`container "${v.name}" in pod "${name}" is waiting to start: ${waitingReason(pod, v.name)}`);
  if (v.error) throw badRequest(`container "${v.name}" in pod "${name}": ${v.error}`);
  const body = v.env!.map((e) => `${e.name}=${e.value}\n`).join('');
  return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** What `kubectl exec` picks without -c: the kubectl.kubernetes.io/default-container annotation, else the first container. */
const defaultContainer = (pod: KubeObject): string | undefined =>
  pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] || list(pod.spec?.containers)[0]?.name;

function waitingReason(pod: KubeObject, container: string): string {
  const cs = [...list(pod.status?.initContainerStatuses), ...list(pod.status?.containerStatuses)].find((s) => s?.name === container);
  return cs?.state?.waiting?.reason ?? 'ContainerCreating';
}

function envLookups(ctx: ApiContext, pod: KubeObject): EnvLookups {
  const ns = pod.metadata.namespace!;
  const node = pod.spec?.nodeName ? ctx.store.get(resKey({ group: '', plural: 'nodes' }), '', pod.spec.nodeName)?.obj : undefined;
  return {
    configMap: (n) => ctx.store.get(resKey({ group: '', plural: 'configmaps' }), ns, n)?.obj,
    secret: (n) => ctx.store.get(resKey({ group: '', plural: 'secrets' }), ns, n)?.obj,
    nodeAllocatable: node?.status?.allocatable,
  };
}
