// Writing a cluster's buffered history to D1: batches (one D1 batch call, multi-row inserts that ignore rows
// already written, so a retry after a lost answer duplicates nothing), retention pruning, and back-off.
import { drizzle } from 'drizzle-orm/d1';
import { and, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { audit, revisions } from '../db/schema';
import type { Batch, HistoryBuffer } from './recorder';

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

/** Rows split into multi-row inserts within the parameter limit. */
function perStatement<T extends object>(rows: T[]): T[][] {
  if (!rows.length) return [];
  const size = Math.floor(MAX_PARAMS / Object.keys(rows[0]).length);
  return Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
}

export async function writeBatch(db: D1Database, clusterId: string, batch: Batch, retain = RETAIN): Promise<void> {
  const d = drizzle(db);
  const revs = [...batch.clients, ...batch.system].map((r) => ({ clusterId, ...r }));
  const auds = batch.audit.map((a) => ({ clusterId, ...a }));
  const statements: BatchItem<'sqlite'>[] = [
    ...perStatement(revs).map((c) => d.insert(revisions).values(c).onConflictDoNothing()),
    ...perStatement(auds).map((c) => d.insert(audit).values(c).onConflictDoNothing()),
  ];
  if (revs.length) {
    const cutoff = sql`(SELECT ${revisions.rv} FROM ${revisions} WHERE ${revisions.clusterId} = ${clusterId} ORDER BY ${revisions.rv} DESC LIMIT 1 OFFSET ${retain.revisions})`;
    statements.push(d.delete(revisions).where(and(eq(revisions.clusterId, clusterId), sql`${revisions.rv} <= ${cutoff}`)));
  }
  if (auds.length) {
    const cutoff = sql`(SELECT ${audit.seq} FROM ${audit} WHERE ${audit.clusterId} = ${clusterId} ORDER BY ${audit.seq} DESC LIMIT 1 OFFSET ${retain.audit})`;
    statements.push(d.delete(audit).where(and(eq(audit.clusterId, clusterId), sql`${audit.seq} <= ${cutoff}`)));
  }
  if (statements.length) await d.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
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
