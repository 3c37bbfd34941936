// Events as client-go's core/v1 recorder writes them (control-plane.md §9.1-9.2): one Event per distinct
// (source, involved object, type, reason, message), later occurrences bump count and lastTimestamp.
import { resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { createObject, updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import { apiVersionOf, type KubeObject } from '../resources/types';

const EVENTS = findResource('', 'v1', 'events')!;

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** source.component, e.g. replicaset-controller, kubelet */
  component: string;
  /** source.host (the node, for kubelet events) */
  host?: string;
  /** involvedObject.fieldPath, e.g. spec.containers{nginx} */
  fieldPath?: string;
}

/** The ObjectReference an event points at. */
export function objectReference(obj: KubeObject, fieldPath?: string) {
  const ref: Record<string, string> = {
    kind: obj.kind ?? '',
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid ?? '',
    apiVersion: obj.apiVersion ?? '',
    resourceVersion: obj.metadata.resourceVersion ?? '',
  };
  if (!ref.namespace) delete ref.namespace;
  if (fieldPath) ref.fieldPath = fieldPath;
  return ref;
}

const sameEvent = (e: KubeObject, involved: KubeObject, s: EventSpec) =>
  e.involvedObject?.uid === involved.metadata.uid &&
  e.reason === s.reason &&
  e.message === s.message &&
  e.type === s.type &&
  e.source?.component === s.component &&
  (e.source?.host ?? '') === (s.host ?? '') &&
  (e.involvedObject?.fieldPath ?? '') === (s.fieldPath ?? '');

/** Records an event about `involved` through the normal write path (events live in its namespace, or default). */
export function recordEvent(ctx: ApiContext, involved: KubeObject, s: EventSpec): void {
  const namespace = involved.metadata.namespace || 'default';
  const now = rfc3339(ctx.now());
  const existing = ctx.store.list(resKey(EVENTS), namespace).find((e) => sameEvent(e.obj, involved, s));
  if (existing) {
    const e = structuredClone(existing.obj);
    e.count = (e.count ?? 1) + 1;
    e.lastTimestamp = now;
    updateObject(ctx, EVENTS, namespace, e.metadata.name!, e, '');
    return;
  }
  const source: Record<string, string> = { component: s.component };
  if (s.host) source.host = s.host;
  const event = {
    apiVersion: apiVersionOf(EVENTS),
    kind: 'Event',
    metadata: { name: eventName(involved, ctx.now()), namespace },
    involvedObject: objectReference(involved, s.fieldPath),
    reason: s.reason,
    message: s.message,
    source,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type: s.type,
    eventTime: null,
    reportingComponent: s.component,
    reportingInstance: s.host ?? '',
  };
  try {
    createObject(ctx, EVENTS, namespace, event);
  } catch (e) {
    // Events are best effort, as in client-go: a full namespace or a deleted one must not stop a controller.
    if (!(e instanceof Error)) throw e;
  }
}

let lastSuffix = 0n;
/** `<involved name>.<hex(UnixNano)>`, unique even when the clock stands still (paused clusters). */
export function eventName(involved: KubeObject, nowMs: number): string {
  let n = BigInt(nowMs) * 1_000_000n;
  if (n <= lastSuffix) n = lastSuffix + 1n;
  lastSuffix = n;
  return `${involved.metadata.name}.${n.toString(16)}`;
}

