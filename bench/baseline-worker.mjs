// Baseline for `npm run bench`: the least a Worker → Durable Object → SQLite request can cost here.
// Same hop as the product (Worker forwards the Request with stub.fetch to one DO), then exactly one
// SQLite statement. Not part of the product; only bench/run.mjs loads it.
import { DurableObject } from 'cloudflare:workers';

export class Store extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS objects (name TEXT PRIMARY KEY, json TEXT NOT NULL)');
  }

  async fetch(req) {
    const url = new URL(req.url);
    if (req.method === 'POST') {
      // one write: the request body as the row, keyed by its metadata.name
      const text = await req.text();
      const name = JSON.parse(text).metadata.name;
      this.sql.exec('INSERT INTO objects (name, json) VALUES (?, ?)', name, text);
      return new Response(text, { status: 201, headers: { 'content-type': 'application/json' } });
    }
    // one read: a row by key
    const row = this.sql.exec('SELECT json FROM objects WHERE name = ?', url.searchParams.get('name')).toArray()[0];
    if (!row) return new Response('{"code":404}', { status: 404, headers: { 'content-type': 'application/json' } });
    return new Response(row.json, { headers: { 'content-type': 'application/json' } });
  }
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    // Worker alone: no Durable Object, no storage.
    if (url.pathname === '/hello') return new Response('ok');
    const stub = env.STORE.get(env.STORE.idFromName('bench'));
    return stub.fetch(req);
  },
};
