// The history buffer of one cluster: revisions of every commit and audit records, kept in memory until the
// alarm flushes them to D1. Bounded in records and bytes; when full, the oldest revisions of the control
// plane's own writes go first, then the oldest audit records, then the oldest revisions of clients' writes.
import type { ApiContext } from '../apiserver/context';
import type { Change, ChangeType, Store } from '../durable/store';
import { redactSecret } from './redact';

export interface RevisionRecord {
  rv: number;
  time: number;
  type: ChangeType;
  resource: string;
  namespace: string;
  name: string;
  /** the object's JSON, Secrets redacted */
  object: string;
}

export interface AuditRecord {
  seq: number;
  time: number;
  user: string;
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
  code: number;
  latencyMs: number;
  userAgent: string;
}

export interface Batch {
  /** revisions of clients' writes */
  clients: RevisionRecord[];
  /** revisions of the control plane's writes */
  system: RevisionRecord[];
  audit: AuditRecord[];
}

export interface Limits {
  records: number;
  bytes: number;
}

export const DEFAULT_LIMITS: Limits = { records: 10_000, bytes: 16 * 1024 * 1024 };

/** The store key `<group>/<plural>` as a resource name: `pods`, `deployments.apps`. */
export const resourceName = (res: string) => {
  const slash = res.indexOf('/');
  return slash > 0 ? `${res.slice(slash + 1)}.${res.slice(0, slash)}` : res.slice(slash + 1);
};

const SECRETS = '/secrets';

/** A commit's change as a revision; the commit's JSON text is kept as is, except a Secret's. */
export function revisionOf(c: Change, time: number): RevisionRecord {
  const m = c.object.metadata;
  return {
    rv: c.rv,
    time,
    type: c.type,
    resource: resourceName(c.res),
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    object: c.res === SECRETS ? JSON.stringify(redactSecret(c.object)) : c.json,
  };
}

/** A FIFO whose removals from the front cost nothing (the array is compacted now and then). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get size() {
    return this.items.length - this.head;
  }
  push(x: T) {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  /** Removes and returns the oldest `n`. */
  take(n: number): T[] {
    const out = this.items.slice(this.head, this.head + n);
    this.items = this.items.slice(this.head + out.length);
    this.head = 0;
    return out;
  }
  /** Puts items back in front (a failed flush). */
  unshift(xs: T[]) {
    this.items = xs.concat(this.items.slice(this.head));
    this.head = 0;
  }
}

/** Rough memory of a record beyond its strings. */
const RECORD_BYTES = 100;
const AUDIT_BYTES = 2 * RECORD_BYTES;
const revisionBytes = (r: RevisionRecord) => r.object.length + RECORD_BYTES;
const auditBytes = (a: AuditRecord) => AUDIT_BYTES + a.userAgent.length;
const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);
const batchBytes = (b: Batch) => sum(b.clients, revisionBytes) + sum(b.system, revisionBytes) + sum(b.audit, auditBytes);

export class HistoryBuffer {
  private system = new Queue<RevisionRecord>();
  private clients = new Queue<RevisionRecord>();
  private audits = new Queue<AuditRecord>();
  private bytes = 0;
  readonly dropped = { revisions: 0, audit: 0 };
  /** called when the first record arrives in an empty buffer (the Durable Object arms its alarm) */
  onPending: (() => void) | undefined;

  constructor(private limits: Limits = DEFAULT_LIMITS) {}

  get pending() {
    return this.system.size + this.clients.size + this.audits.size;
  }

  /** `system`: a write of the control plane (controllers, scheduler, kubelets) rather than of a client. */
  addRevision(r: RevisionRecord, system: boolean) {
    (system ? this.system : this.clients).push(r);
    this.added(revisionBytes(r));
  }

  addAudit(a: AuditRecord) {
    this.audits.push(a);
    this.added(auditBytes(a));
  }

  private added(bytes: number) {
    this.bytes += bytes;
    this.trim();
    if (this.pending === 1) this.onPending?.();
  }

  /** Removes up to `max` records for one flush: clients' revisions, the control plane's, then audit records. */
  take(max: number): Batch {
    const clients = this.clients.take(max);
    const system = this.system.take(max - clients.length);
    const audit = this.audits.take(max - clients.length - system.length);
    this.bytes -= batchBytes({ clients, system, audit });
    return { clients, system, audit };
  }

  /** A batch D1 did not take goes back in front, as far as the bounds allow. */
  putBack(batch: Batch) {
    this.clients.unshift(batch.clients);
    this.system.unshift(batch.system);
    this.audits.unshift(batch.audit);
    this.bytes += batchBytes(batch);
    this.trim();
  }

  private trim() {
    while (this.pending > this.limits.records || this.bytes > this.limits.bytes) {
      const r = this.system.shift() ?? this.audits.shift() ?? this.clients.shift();
      if (!r) return;
      if ('seq' in r) {
        this.bytes -= auditBytes(r);
        this.dropped.audit++;
      } else {
        this.bytes -= revisionBytes(r);
        this.dropped.revisions++;
      }
    }
  }
}

const buffers = new WeakMap<Store, HistoryBuffer>();

/** The history buffer of a cluster (keyed by its store, which every write path already carries). */
export function historyOf(store: Store): HistoryBuffer {
  let b = buffers.get(store);
  if (!b) buffers.set(store, (b = new HistoryBuffer()));
  return b;
}

/** One revision per committed change; called by the one write path (src/apiserver/writes.ts commit). */
export function recordChanges(ctx: ApiContext, changes: Change[]) {
  if (!changes.length) return;
  const buffer = historyOf(ctx.store);
  const time = ctx.now();
  // The control plane writes in process, without a requester.
  const system = !ctx.requester;
  for (const c of changes) buffer.addRevision(revisionOf(c, time), system);
}
