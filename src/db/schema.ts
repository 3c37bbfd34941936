// D1: the tenant registry, and each cluster's history (object revisions and audit records).
// Tokens are kept only as SHA-256 hashes; Secret values never reach D1 (see src/history/redact.ts).
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const clusters = sqliteTable('clusters', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  /** set when the owner deleted the cluster (404 afterwards); an ended cluster without it has expired (410) */
  deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
});

/** Every committed change of every object; deleted objects (Events removed by TTL too) keep their last state. */
export const revisions = sqliteTable(
  'revisions',
  {
    clusterId: text('cluster_id').notNull(),
    rv: integer('rv').notNull(),
    /** cluster clock, ms since the epoch */
    time: integer('time').notNull(),
    type: text('type', { enum: ['ADDED', 'MODIFIED', 'DELETED'] }).notNull(),
    /** `pods`, `deployments.apps` */
    resource: text('resource').notNull(),
    /** '' for cluster-scoped objects */
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    /** the object's JSON as stored (Secrets redacted) */
    object: text('object').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.rv] }),
    index('revisions_object').on(t.clusterId, t.resource, t.namespace, t.name, t.rv),
    index('revisions_time').on(t.clusterId, t.time),
  ],
);

/** One record per Kubernetes API request; never a request or response body. */
export const audit = sqliteTable(
  'audit',
  {
    clusterId: text('cluster_id').notNull(),
    /** unique and increasing per cluster: the order of the records and the page cursor */
    seq: integer('seq').notNull(),
    /** cluster clock, ms since the epoch */
    time: integer('time').notNull(),
    user: text('user').notNull(),
    verb: text('verb').notNull(),
    resource: text('resource').notNull(),
    subresource: text('subresource').notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    /** the path of a non-resource request (`/version`), else '' */
    path: text('path').notNull(),
    code: integer('code').notNull(),
    latencyMs: integer('latency_ms').notNull(),
    userAgent: text('user_agent').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.seq] }),
    index('audit_time').on(t.clusterId, t.time),
    index('audit_user').on(t.clusterId, t.user, t.seq),
  ],
);
