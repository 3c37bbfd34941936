// The history API of a cluster (owner only): GET /history, /history/status, /history/<resource>/<ns>/<name>
// (its revisions with diffs, or ?asOf= the object as it was then) and /audit. Answers come from D1 after a
// bounded flush; when D1 fails the answer is a 503, while the Kubernetes API itself keeps working.
import { drizzle } from 'drizzle-orm/d1';
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, type SQL } from 'drizzle-orm';
import { ApiError, methodNotAllowed, pathNotFound } from '../apiserver/errors';
import { json } from '../apiserver/reads';
import { audit, revisions } from '../db/schema';
import { diff } from './diff';
import { withTimeout } from './flush';
import type { History } from './history';
import { encodeContinue, parseAuditQuery, parseHistoryQuery, parseName, parseObjectQuery, parseResource, type AsOf, type Page, type Window } from './params';
import { decodeSegment } from '../apiserver/request';

/** Most a history request waits for the flush of pending records, and then for its query. */
const FLUSH_BUDGET_MS = 3000;
const QUERY_TIMEOUT_MS = 5000;
/** In a diff, managedFields (timestamps of every writer) would drown what changed. */
const DIFF_SKIP = new Set(['/metadata/managedFields']);
/** The namespace segment of a cluster-scoped object's path. */
const CLUSTER_SCOPED = '_';

/** The paths served here. */
export const HISTORY_PATH = /^\/(history|audit)(\/|$)/;
const OBJECT_PATH = /^\/history\/([^/]+)\/([^/]+)\/([^/]+)$/;
const iso = (ms: number) => new Date(ms).toISOString();

export async function serveHistory(history: History, req: Request, path: string): Promise<Response> {
  if (req.method !== 'GET') throw methodNotAllowed();
  const url = new URL(req.url);
  if (path === '/history/status') return json(history.status());
  const object = OBJECT_PATH.exec(path);
  // Parameters first: a malformed request is a 400 whatever the state of D1.
  let answer: (db: Db, cluster: string) => Promise<Response>;
  if (path === '/history') {
    const q = parseHistoryQuery(url.searchParams);
    answer = (db, cluster) => listRevisions(db, cluster, q, history);
  } else if (path === '/audit') {
    const q = parseAuditQuery(url.searchParams);
    answer = (db, cluster) => listAudit(db, cluster, q, history);
  } else if (object) {
    const [resource, ns, name] = object.slice(1).map(decodeSegment);
    const ref = { resource: parseResource(resource), namespace: ns === CLUSTER_SCOPED ? '' : parseName('namespace', ns), name: parseName('name', name) };
    const q = parseObjectQuery(url.searchParams);
    answer = (db, cluster) => (q.asOf ? objectAsOf(db, cluster, ref, q.asOf) : objectRevisions(db, cluster, ref, q, history));
  } else throw pathNotFound();

  // What was recorded before this request is written first, so a change just made shows.
  await history.flusher.flush(FLUSH_BUDGET_MS);
  if (history.flusher.lastError) throw unavailable(history, history.flusher.lastError);
  const { db, clusterId } = history.target();
  try {
    return await withTimeout(answer(drizzle(db), clusterId), QUERY_TIMEOUT_MS, `D1 did not answer within ${QUERY_TIMEOUT_MS} ms`);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw unavailable(history, e instanceof Error ? e.message : String(e));
  }
}

const unavailable = (history: History, why: string) =>
  new ApiError(
    503,
    'ServiceUnavailable',
    `the history store is unavailable (${why}); ${history.buffer.pending} records are buffered and will be written when it recovers. The Kubernetes API is not affected.`,
    { retryAfterSeconds: 5 },
  );

type Db = ReturnType<typeof drizzle>;

interface ObjectRef {
  resource: string;
  namespace: string;
  name: string;
}

/** A page of rows fetched with one extra row: the rows to show, and the continue token if there are more. */
function paged<T>(rows: T[], p: Page, cursor: (row: T) => number) {
  const more = rows.length > p.limit;
  const items = more ? rows.slice(0, p.limit) : rows;
  return { items, continue: more ? encodeContinue(cursor(items[items.length - 1])) : undefined };
}

function listMeta(history: History, cont: string | undefined) {
  const s = history.status();
  return { ...(cont ? { continue: cont } : {}), pending: s.pending, dropped: s.dropped };
}

function timeConditions(column: typeof revisions.time | typeof audit.time, w: Window): SQL[] {
  const out: SQL[] = [];
  if (w.since !== undefined) out.push(gte(column, w.since));
  if (w.until !== undefined) out.push(lte(column, w.until));
  return out;
}

async function listRevisions(db: Db, cluster: string, q: ReturnType<typeof parseHistoryQuery>, history: History) {
  const where: SQL[] = [eq(revisions.clusterId, cluster), ...timeConditions(revisions.time, q)];
  if (q.resource) where.push(eq(revisions.resource, q.resource));
  if (q.namespace) where.push(eq(revisions.namespace, q.namespace === CLUSTER_SCOPED ? '' : q.namespace));
  if (q.name) where.push(eq(revisions.name, q.name));
  if (q.types) where.push(inArray(revisions.type, q.types));
  if (q.after !== undefined) where.push(gt(revisions.rv, q.after));
  const rows = await db
    .select({ rv: revisions.rv, time: revisions.time, type: revisions.type, resource: revisions.resource, namespace: revisions.namespace, name: revisions.name })
    .from(revisions)
    .where(and(...where))
    .orderBy(asc(revisions.rv))
    .limit(q.limit + 1);
  const page = paged(rows, q, (r) => r.rv);
  return json({
    kind: 'HistoryList',
    metadata: listMeta(history, page.continue),
    items: page.items.map((r) => ({ resourceVersion: String(r.rv), time: iso(r.time), type: r.type, resource: r.resource, namespace: r.namespace, name: r.name })),
  });
}

async function listAudit(db: Db, cluster: string, q: ReturnType<typeof parseAuditQuery>, history: History) {
  const where: SQL[] = [eq(audit.clusterId, cluster), ...timeConditions(audit.time, q)];
  if (q.user) where.push(eq(audit.user, q.user));
  if (q.verb) where.push(eq(audit.verb, q.verb));
  if (q.resource) where.push(eq(audit.resource, q.resource));
  if (q.after !== undefined) where.push(gt(audit.seq, q.after));
  const rows = await db.select().from(audit).where(and(...where)).orderBy(asc(audit.seq)).limit(q.limit + 1);
  const page = paged(rows, q, (r) => r.seq);
  return json({
    kind: 'AuditList',
    metadata: listMeta(history, page.continue),
    items: page.items.map(({ clusterId: _, seq: __, time, latencyMs, ...r }) => ({ time: iso(time), ...r, latencyMs })),
  });
}

const objectIs = (ref: ObjectRef) =>
  [eq(revisions.resource, ref.resource), eq(revisions.namespace, ref.namespace), eq(revisions.name, ref.name)];

/** The object's revisions, oldest first, each with its diff to the one before (none for the very first). */
async function objectRevisions(db: Db, cluster: string, ref: ObjectRef, q: Page, history: History) {
  const mine = [eq(revisions.clusterId, cluster), ...objectIs(ref)];
  const rows = await db
    .select()
    .from(revisions)
    .where(and(...mine, ...(q.after !== undefined ? [gt(revisions.rv, q.after)] : [])))
    .orderBy(asc(revisions.rv))
    .limit(q.limit + 1);
  if (!rows.length) throw notFoundIn(ref, 'has no recorded history');
  const page = paged(rows, q, (r) => r.rv);
  // The revision before this page, for the first diff.
  const [before] = await db.select().from(revisions).where(and(...mine, lt(revisions.rv, rows[0].rv))).orderBy(desc(revisions.rv)).limit(1);
  let previous: unknown = before ? JSON.parse(before.object) : undefined;
  const items = page.items.map((r) => {
    const object = JSON.parse(r.object);
    const item = { resourceVersion: String(r.rv), time: iso(r.time), type: r.type, object, ...(previous !== undefined ? { diff: diff(previous, object, DIFF_SKIP) } : {}) };
    previous = object;
    return item;
  });
  return json({ kind: 'ObjectHistory', ...ref, metadata: listMeta(history, page.continue), items });
}

/** The object as it was at a time or resourceVersion: its newest revision up to then, unless that deleted it. */
async function objectAsOf(db: Db, cluster: string, ref: ObjectRef, asOf: AsOf) {
  const upTo = 'rv' in asOf ? lte(revisions.rv, asOf.rv) : lte(revisions.time, asOf.time);
  const [row] = await db.select().from(revisions).where(and(eq(revisions.clusterId, cluster), ...objectIs(ref), upTo)).orderBy(desc(revisions.rv)).limit(1);
  const when = 'rv' in asOf ? `resourceVersion ${asOf.rv}` : iso(asOf.time);
  if (!row || row.type === 'DELETED') throw notFoundIn(ref, `did not exist at ${when}`);
  return json(row.object);
}

function notFoundIn(ref: ObjectRef, what: string) {
  const dot = ref.resource.indexOf('.');
  const [resource, group] = dot < 0 ? [ref.resource, ''] : [ref.resource.slice(0, dot), ref.resource.slice(dot + 1)];
  const where = ref.namespace ? ` in namespace "${ref.namespace}"` : '';
  return new ApiError(404, 'NotFound', `${ref.resource} "${ref.name}"${where} ${what}`, {
    name: ref.name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}
