// A cluster's history as its Durable Object sees it: the buffer the write path fills, audit records of
// requests, and flushes from the alarm. Requests never wait on D1; only the history API does (bounded).
import type { Store } from '../durable/store';
import { auditRecord } from './audit';
import { Flusher, withTimeout, type Target } from './flush';
import { historyOf, type HistoryBuffer } from './recorder';

/** One revision as the live view's timeline shows it. */
export interface TimelineEntry {
  time: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** `pods`, `deployments.apps` */
  resource: string;
  namespace: string;
  name: string;
}

/** How soon after the first pending record the alarm flushes it. */
export const FLUSH_DELAY_MS = 1000;
/** Most one flush started by the alarm keeps writing (or waits on a D1 that does not answer). */
const ALARM_BUDGET_MS = 2000;

export class History {
  readonly buffer: HistoryBuffer;
  readonly flusher: Flusher;
  private seq = 0;
  private flushing = false;

  /** `arm` asks for an alarm at a real time. */
  constructor(store: Store, target: () => Target, private arm: (at: number) => void) {
    this.buffer = historyOf(store);
    this.flusher = new Flusher(this.buffer, target);
    this.buffer.onPending = () => this.schedule();
  }

  target(): Target {
    return this.flusher.target();
  }

  /** Records a Kubernetes API request (`url` is the request's, already parsed). */
  audit(req: Request, url: URL, user: string, code: number, latencyMs: number, time: number) {
    // Unique and increasing across restarts of the object: real microseconds, bumped on collisions.
    this.seq = Math.max(this.seq + 1, Date.now() * 1000);
    const exchange = { method: req.method, path: url.pathname, query: url.searchParams, userAgent: req.headers.get('user-agent') ?? '', user, code, latencyMs };
    this.buffer.addAudit(auditRecord(exchange, this.seq, time));
  }

  /**
   * The alarm's part: starts a bounded flush unless one runs or D1 is being backed off, and does not wait for
   * it, so neither requests nor the control plane ever wait on D1. What is left gets another alarm.
   */
  alarm() {
    if (this.buffer.pending && !this.flushing && Date.now() >= this.flusher.retryAt) {
      this.flushing = true;
      void this.flusher.flush(ALARM_BUDGET_MS).then(() => {
        this.flushing = false;
        if (this.buffer.pending) this.schedule();
      });
    }
    if (this.buffer.pending) this.schedule();
  }

  private schedule() {
    this.arm(Math.max(Date.now() + FLUSH_DELAY_MS, this.flusher.retryAt));
  }

  /**
   * The newest `limit` revisions as timeline lines (what, not the objects), oldest first: what the live view shows
   * of the past. Whatever D1 cannot give within `timeoutMs` is left out.
   */
  async recent(limit: number, timeoutMs = 2000): Promise<TimelineEntry[]> {
    const { db, clusterId } = this.target();
    const query = db
      .prepare('SELECT time, type, resource, namespace, name FROM revisions WHERE cluster_id = ? ORDER BY rv DESC LIMIT ?')
      .bind(clusterId, limit)
      .all<TimelineEntry>();
    try {
      return (await withTimeout(query, timeoutMs, 'D1 did not answer')).results.reverse();
    } catch {
      return [];
    }
  }

  status() {
    const f = this.flusher;
    return {
      pending: this.buffer.pending,
      dropped: { ...this.buffer.dropped },
      failures: f.failures,
      ...(f.lastError ? { lastError: f.lastError, retryAt: new Date(f.retryAt).toISOString() } : {}),
    };
  }
}
