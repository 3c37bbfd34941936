// Event expiry: the API server stores events with a TTL (--event-ttl, default 1h) counted from their last
// write, so an event disappears an hour after it last happened. Here the expiry is a deletion through the
// pipeline when the cluster clock passes it (watchers see DELETED, as etcd lease expiry shows them).
import { resKey, type ApiContext } from '../apiserver/context';
import { deleteObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { quietly } from './controller-utils';
import type { Controller } from './types';

export const EVENT_TTL_MS = 60 * 60 * 1000;
const EVENT_KINDS = [findResource('', 'v1', 'events')!, findResource('events.k8s.io', 'v1', 'events')!];

/** When an event was last written: the latest of its timestamps (either API's field names). */
export function lastWritten(e: KubeObject): number {
  const times = [
    e.metadata.creationTimestamp,
    e.lastTimestamp,
    e.deprecatedLastTimestamp,
    e.eventTime,
    e.series?.lastObservedTime,
  ];
  return Math.max(...times.map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t)), 0);
}

/**
 * When the next scan is due, per store. Any event written after a scan expires at least a TTL after it, so
 * min(earliest expiry seen, scan time + TTL) is a safe time for the next one; scanning every pass would cost
 * O(events) per write under load.
 */
const dueAt = new WeakMap<object, number>();

export const eventTTLController: Controller = {
  name: 'event-ttl',
  identity: 'system:apiserver',
  reconcile(ctx: ApiContext) {
    const now = ctx.now();
    const due = dueAt.get(ctx.store);
    if (due !== undefined && now < due) return due;
    let next = now + EVENT_TTL_MS;
    for (const def of EVENT_KINDS) {
      for (const { obj } of ctx.store.list(resKey(def), '')) {
        const expires = lastWritten(obj) + EVENT_TTL_MS;
        if (expires <= now) quietly(() => deleteObject(ctx, def, obj.metadata.namespace!, obj.metadata.name!, {}));
        else if (expires < next) next = expires;
      }
    }
    dueAt.set(ctx.store, next);
    return next;
  },
};
