// Writing a cluster's buffered history to D1: batches (one D1 batch call, multi-row inserts that ignore rows
// already written, so a retry after a lost answer duplicates nothing), retention pruning, and back-off.
import type { AuditRecord, Batch, HistoryBuffer, RevisionRecord } from './recorder';

/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;
/** Records per D1 batch call. */
export const BATCH_RECORDS = 500;
/** The newest records kept per cluster; older ones are pruned as new ones arrive. */
export const RETAIN = { revisions: 10_000, audit: 10_000 };
const BASE_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

/** The wait before the next attempt after `failures` failed flushes in a row: 1 s, 2 s, 4 s, … at most a minute. */
export const backoffMs = (failures: number) => Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, failures - 1));

/** The columns of each table, in the order of the values a record gives (see src/db/schema.ts). */
const REVISION_COLUMNS = ['cluster_id', 'rv', 'time', 'type', 'resource', 'namespace', 'name', 'object'];
const AUDIT_COLUMNS = ['cluster_id', 'seq', 'time', 'user', 'verb', 'resource', 'subresource', 'namespace', 'name', 'path', 'code', 'latency_ms', 'user_agent'];
const revisionValues = (id: string, r: RevisionRecord) => [id, r.rv, r.time, r.type, r.resource, r.namespace, r.name, r.object];
const auditValues = (id: string, a: AuditRecord) => [id, a.seq, a.time, a.user, a.verb, a.resource, a.subresource, a.namespace, a.name, a.path, a.code, a.latencyMs, a.userAgent];

/**
 * Multi-row `INSERT OR IGNORE`s within the parameter limit. Plain prepared statements: the query builder
 * cost more CPU than the rows themselves when the control plane writes thousands of objects a second.
 */
function inserts(db: D1Database, table: string, columns: string[], rows: unknown[][]): D1PreparedStatement[] {
  const per = Math.floor(MAX_PARAMS / columns.length);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const sql = `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`;
    out.push(db.prepare(sql).bind(...chunk.flat()));
  }
  return out;
}

/** Deletes all but the newest `keep` rows of a cluster (by `key`, the table's sequence column). */
const prune = (db: D1Database, table: string, key: string, clusterId: string, keep: number) =>
  db
    .prepare(`DELETE FROM ${table} WHERE cluster_id = ? AND ${key} <= (SELECT ${key} FROM ${table} WHERE cluster_id = ? ORDER BY ${key} DESC LIMIT 1 OFFSET ?)`)
    .bind(clusterId, clusterId, keep);

export async function writeBatch(db: D1Database, clusterId: string, batch: Batch, retain = RETAIN): Promise<void> {
  const revs = [...batch.clients, ...batch.system].map((r) => revisionValues(clusterId, r));
  const auds = batch.audit.map((a) => auditValues(clusterId, a));
  const statements = [...inserts(db, 'revisions', REVISION_COLUMNS, revs), ...inserts(db, 'audit', AUDIT_COLUMNS, auds)];
  if (revs.length) statements.push(prune(db, 'revisions', 'rv', clusterId, retain.revisions));
  if (auds.length) statements.push(prune(db, 'audit', 'seq', clusterId, retain.audit));
  if (statements.length) await db.batch(statements);
}

/** `p`, or a rejection with `message` if it has not settled within `ms` (p itself is left to run). */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where a flush writes: read at each flush (a test may swap the database). */
export interface Target {
  db: D1Database;
  clusterId: string;
}

/**
 * Flushes one cluster's buffer, one flush at a time. A batch D1 refuses, or does not answer in time, goes
 * back into the buffer and the next attempt waits out a back-off; nothing here ever throws to the caller.
 */
export class Flusher {
  failures = 0;
  /** real time before which the alarm does not try again */
  retryAt = 0;
  lastError: string | undefined;
  retain = RETAIN;
  private running: Promise<boolean> = Promise.resolve(true);

  constructor(private buffer: HistoryBuffer, readonly target: () => Target) {}

  /** Writes batches until the buffer is empty, a write fails, or `budgetMs` is spent; true if all was written. */
  flush(budgetMs: number): Promise<boolean> {
    // Queued behind a running flush, so that when this resolves everything recorded before the call is written.
    this.running = this.running.then(() => this.drain(Date.now() + budgetMs));
    return this.running;
  }

  private async drain(deadline: number): Promise<boolean> {
    while (this.buffer.pending) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.writeOne(left))) return false;
    }
    return true;
  }

  private async writeOne(timeoutMs: number): Promise<boolean> {
    const batch = this.buffer.take(BATCH_RECORDS);
    const { db, clusterId } = this.target();
    const attempt = writeBatch(db, clusterId, batch, this.retain);
    try {
      await withTimeout(attempt, timeoutMs, `D1 did not answer within ${timeoutMs} ms`);
      this.failures = 0;
      this.retryAt = 0;
      this.lastError = undefined;
      return true;
    } catch (e) {
      // An abandoned attempt may still land later: its rows are then ignored by the retry's inserts.
      attempt.catch(() => undefined);
      this.buffer.putBack(batch);
      this.failures++;
      this.retryAt = Date.now() + backoffMs(this.failures);
      this.lastError = e instanceof Error ? e.message : String(e);
      return false;
    }
  }
}
