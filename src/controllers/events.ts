// Events as client-go's core/v1 recorder writes them (control-plane.md §9.1-9.2): one Event per distinct
// (source, involved object, type, reason, message), later occurrences bump count and lastTimestamp,
// similar events combined and floods throttled by the correlator.
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

/**
 * What client-go's EventCorrelator remembers, per cluster (per recorder process upstream): event names by
 * dedupe key, distinct messages per aggregate key, and a token bucket per source and object.
 */
interface Correlator {
  names: Map<string, string>;
  aggregates: Map<string, { messages: Set<string>; last: number }>;
  buckets: Map<string, { tokens: number; last: number }>;
}

const correlators = new WeakMap<object, Correlator>();
/** LRU size of each cache (client-go's maxLruCacheEntries). */
const CACHE_SIZE = 4096;
/** Distinct messages per aggregate key before events are combined, and the window that resets it. */
const MAX_DISTINCT = 10;
const AGGREGATE_WINDOW_MS = 600_000;
/** Spam filter: a burst of 25 events per source and object, then one per 5 minutes. */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 300_000;

function correlatorOf(ctx: ApiContext): Correlator {
  let c = correlators.get(ctx.store);
  if (!c) correlators.set(ctx.store, (c = { names: new Map(), aggregates: new Map(), buckets: new Map() }));
  return c;
}

/** Map.set that keeps the map at CACHE_SIZE, dropping the least recently set entry. */
function remember<K, V>(m: Map<K, V>, k: K, v: V) {
  m.delete(k);
  m.set(k, v);
  if (m.size > CACHE_SIZE) m.delete(m.keys().next().value as K);
}

/** The token-bucket spam filter: false when this source has said too much about this object lately. */
function allowed(c: Correlator, key: string, now: number): boolean {
  const b = c.buckets.get(key) ?? { tokens: SPAM_BURST, last: now };
  b.tokens = Math.min(SPAM_BURST, b.tokens + (now - b.last) / SPAM_REFILL_MS);
  b.last = now;
  remember(c.buckets, key, b);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/**
 * Records an event about `involved` through the normal write path (events live in its namespace, or
 * default), correlated as client-go does: a repeat bumps count and lastTimestamp; from the 10th distinct
 * message for the same object and reason on, one "(combined from similar events)" event counts them all;
 * a source that floods an object is throttled.
 */
export function recordEvent(ctx: ApiContext, involved: KubeObject, s: EventSpec): void {
  const namespace = involved.metadata.namespace || 'default';
  const nowMs = ctx.now();
  const now = rfc3339(nowMs);
  const c = correlatorOf(ctx);
  const m = involved.metadata;
  const objectKey = [s.component, s.host ?? '', involved.kind, m.namespace ?? '', m.name, m.uid, involved.apiVersion].join('\0');
  if (!allowed(c, objectKey, nowMs)) return;

  const aggregateKey = [objectKey, s.type, s.reason].join('\0');
  let aggregate = c.aggregates.get(aggregateKey);
  if (!aggregate || nowMs - aggregate.last > AGGREGATE_WINDOW_MS) aggregate = { messages: new Set(), last: nowMs };
  aggregate.last = nowMs;
  aggregate.messages.add(s.message);
  remember(c.aggregates, aggregateKey, aggregate);
  let message = s.message;
  let key = [aggregateKey, s.fieldPath ?? '', s.message].join('\0');
  if (aggregate.messages.size >= MAX_DISTINCT) {
    aggregate.messages.delete(aggregate.messages.values().next().value as string);
    message = `(combined from similar events): ${s.message}`;
    key = aggregateKey;
  }

  const existing = cachedEvent(ctx, namespace, key);
  if (existing) {
    const e = structuredClone(existing.obj);
    e.count = (e.count ?? 1) + 1;
    e.lastTimestamp = now;
    e.message = message;
    updateObject(ctx, EVENTS, namespace, e.metadata.name!, e, '');
    cacheEvent(ctx, key, e.metadata.name!);
    return;
  }
  const source: Record<string, string> = { component: s.component };
  if (s.host) source.host = s.host;
  const event = {
    apiVersion: apiVersionOf(EVENTS),
    kind: 'Event',
    metadata: { name: eventName(involved, nowMs), namespace },
    involvedObject: objectReference(involved, s.fieldPath),
    reason: s.reason,
    message,
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
    cacheEvent(ctx, key, event.metadata.name);
  } catch (e) {
    // Events are best effort, as in client-go: a full namespace or a deleted one must not stop a controller.
    if (!(e instanceof Error)) throw e;
  }
}

/** The live event the correlator's cache names for `key` (an LRU, so a scan of the namespace is never needed). */
export function cachedEvent(ctx: ApiContext, namespace: string, key: string): { obj: KubeObject } | undefined {
  const name = correlatorOf(ctx).names.get(key);
  return name ? ctx.store.get(resKey(EVENTS), namespace, name) : undefined;
}

/** Remembers which event `key` names, for cachedEvent. */
export function cacheEvent(ctx: ApiContext, key: string, name: string): void {
  remember(correlatorOf(ctx).names, key, name);
}

let lastSuffix = 0n;
/** `<involved name>.<hex(UnixNano)>`, unique even when the clock stands still (paused clusters). */
export function eventName(involved: KubeObject, nowMs: number): string {
  let n = BigInt(nowMs) * 1_000_000n;
  if (n <= lastSuffix) n = lastSuffix + 1n;
  lastSuffix = n;
  return `${involved.metadata.name}.${n.toString(16)}`;
}

