// The tenant registry in D1. Tokens are kept only as SHA-256 hashes.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const clusters = sqliteTable('clusters', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
});
