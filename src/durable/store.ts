// The cluster's object store on Durable Object SQLite, in the manner of etcd/kine: one row per live object,
// an append-only change log for watch, one cluster-wide revision counter. Parsed objects are cached in memory
// (the DO is the only writer), so reads never touch SQLite.
import type { KubeObject } from '../resources/types';
import type { Cipher } from './cipher';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  /** the object's JSON text as stored */
  json: string;
  type: ChangeType;
  /** resource key, `<group>/<plural>` */
  res: string;
  object: KubeObject;
  /** the object before this change (for MODIFIED and DELETED), used by filtered watches */
  old?: KubeObject;
}

export interface Entry {
  obj: KubeObject;
  json: string;
  /** `<namespace>/<name>`, the sort key of lists */
  key: string;
}

/** A pending write inside one transaction. `object` null deletes. */
export interface Write {
  res: string;
  namespace: string;
  name: string;
  object: KubeObject | null;
  /** refuse the whole commit (TooLarge) if the stored JSON would be longer */
  maxBytes?: number;
}

/** A write's object is over its maxBytes; the commit changed nothing. */
export class TooLarge extends Error {}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (res TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL, rv INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (res, ns, name));
CREATE TABLE IF NOT EXISTS changes (rv INTEGER PRIMARY KEY, type TEXT NOT NULL, res TEXT NOT NULL, json TEXT NOT NULL);
`;

/** Runtime state of the simulated data plane (per pod uid), not API objects; created on open, so older clusters get it too. */
const RUNTIME_SCHEMA = 'CREATE TABLE IF NOT EXISTS runtime (key TEXT PRIMARY KEY, json TEXT NOT NULL)';

/** Resources whose rows are encrypted at rest. */
const ENCRYPTED = new Set(['/secrets']);

/** How many changes watch can resume from; older resourceVersions answer 410 Expired. */
export const CHANGE_WINDOW = 5000;

export class Store {
  private byRes = new Map<string, Map<string, Entry>>();
  /** sorted lists per resource and namespace ('' = all), built on first use and kept current by commits */
  private sorted = new Map<string, Map<string, Entry[]>>();
  private count = 0;
  /** the length of every stored object's JSON (secrets counted decrypted), for the sandbox's storage cap */
  bytes = 0;
  rv = 0;
  /** the oldest resourceVersion a watch can resume from (exclusive lower bound) */
  compactedRv = 0;

  private constructor(private sql: SqlStorage, private storage: DurableObjectStorage, private cipher: Cipher) {}

  /** True when this Durable Object holds a cluster; reads only, so a never-created id stays empty. */
  static exists(sql: SqlStorage): boolean {
    return sql.exec(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'`).toArray().length > 0;
  }

  static create(storage: DurableObjectStorage, cipher: (s: Store) => Cipher): Store {
    storage.sql.exec(SCHEMA);
    return Store.open(storage, cipher);
  }

  /** Opens the store; `cipher` gets the store to read the cluster id it derives its key from. */
  static open(storage: DurableObjectStorage, cipher: (s: Store) => Cipher): Store {
    const s = new Store(storage.sql, storage, undefined as unknown as Cipher);
    s.cipher = cipher(s);
    // The revision is the newest change's (commits skip writing it to meta; compaction keeps the newest changes).
    const newest = storage.sql.exec<{ rv: number | null }>('SELECT MAX(rv) AS rv FROM changes').one().rv ?? 0;
    s.rv = Math.max(Number(s.getMeta('rv') ?? 0), newest);
    s.compactedRv = Number(s.getMeta('compacted') ?? 0);
    storage.sql.exec(RUNTIME_SCHEMA);
    for (const row of storage.sql.exec<{ res: string; ns: string; name: string; json: string }>('SELECT res, ns, name, json FROM objects')) {
      const json = s.fromRow(row.res, row.json);
      const k = key(row.ns, row.name);
      s.mapFor(row.res).set(k, { obj: JSON.parse(json), json, key: k });
      s.count++;
      s.bytes += json.length;
    }
    return s;
  }

  getMeta(k: string): string | undefined {
    const rows = this.sql.exec<{ v: string }>('SELECT v FROM meta WHERE k = ?', k).toArray();
    return rows[0]?.v;
  }

  setMeta(k: string, v: string) {
    this.sql.exec('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v', k, v);
  }

  /** A meta value encrypted at rest with the cluster cipher (private keys). */
  getSealedMeta(k: string): string | undefined {
    const v = this.getMeta(k);
    return v === undefined ? undefined : this.cipher.decrypt(v);
  }

  setSealedMeta(k: string, v: string) {
    this.setMeta(k, this.cipher.encrypt(v));
  }

  putRuntime(key: string, json: string) {
    this.sql.exec('INSERT INTO runtime (key, json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json', key, json);
  }

  getRuntime(key: string): string | undefined {
    return this.sql.exec<{ json: string }>('SELECT json FROM runtime WHERE key = ?', key).toArray()[0]?.json;
  }

  deleteRuntime(key: string) {
    this.sql.exec('DELETE FROM runtime WHERE key = ?', key);
  }

  /** Every runtime key: read once when a kubelet starts, so that rows of pods deleted meanwhile can be removed. */
  runtimeKeys(): string[] {
    return this.sql.exec<{ key: string }>('SELECT key FROM runtime').toArray().map((r) => r.key);
  }

  get objectCount() {
    return this.count;
  }

  /** How many objects of a resource the store holds. */
  countOf(res: string): number {
    return this.byRes.get(res)?.size ?? 0;
  }

  /** Resource keys that hold at least one object. */
  resources(): string[] {
    return [...this.byRes.keys()].filter((r) => this.byRes.get(r)!.size > 0);
  }

  get(res: string, namespace: string, name: string): Entry | undefined {
    return this.byRes.get(res)?.get(key(namespace, name));
  }

  /** Entries of a resource in no particular order, for scans that need no list order (no sorted list is kept). */
  entries(res: string): Iterable<Entry> {
    return this.byRes.get(res)?.values() ?? [];
  }

  /** Entries of a resource, in key order (namespace, then name) as etcd lists them. */
  list(res: string, namespace: string): Entry[] {
    // Controllers list the same resources many times: keep sorted lists, which commits then patch in place.
    let lists = this.sorted.get(res);
    if (!lists) this.sorted.set(res, (lists = new Map()));
    let out = lists.get(namespace);
    if (!out) {
      const m = this.byRes.get(res);
      out = [];
      for (const e of m?.values() ?? []) if (!namespace || e.obj.metadata.namespace === namespace) out.push(e);
      out.sort((a, b) => cmp(a.key, b.key));
      lists.set(namespace, out);
    }
    return out.slice();
  }

  /**
   * Commits writes atomically: each gets the next resourceVersion, a change-log row and a cache update.
   * Returns the changes in order. Nothing is changed if SQLite throws.
   */
  commit(writes: Write[]): Change[] {
    if (!writes.length) return [];
    const changes: Change[] = [];
    let rv = this.rv;
    let compacted = this.compactedRv;
    this.storage.transactionSync(() => {
      for (const w of writes) {
        const prev = this.get(w.res, w.namespace, w.name);
        if (w.object) {
          w.object.metadata.resourceVersion = String(++rv);
          const json = JSON.stringify(w.object);
          if (w.maxBytes !== undefined && json.length > w.maxBytes) throw new TooLarge();
          const row = this.toRow(w.res, json);
          this.sql.exec(
            'INSERT INTO objects (res, ns, name, rv, json) VALUES (?, ?, ?, ?, ?) ON CONFLICT(res, ns, name) DO UPDATE SET rv = excluded.rv, json = excluded.json',
            w.res, w.namespace, w.name, rv, row,
          );
          this.sql.exec('INSERT INTO changes (rv, type, res, json) VALUES (?, ?, ?, ?)', rv, prev ? 'MODIFIED' : 'ADDED', w.res, row);
          changes.push({ rv, json, type: prev ? 'MODIFIED' : 'ADDED', res: w.res, object: w.object, old: prev?.obj });
        } else if (prev) {
          rv++;
          // A deleted object is reported with the deletion's resourceVersion, as etcd does.
          const gone = { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(rv) } };
          const json = JSON.stringify(gone);
          this.sql.exec('DELETE FROM objects WHERE res = ? AND ns = ? AND name = ?', w.res, w.namespace, w.name);
          this.sql.exec('INSERT INTO changes (rv, type, res, json) VALUES (?, ?, ?, ?)', rv, 'DELETED', w.res, this.toRow(w.res, json));
          changes.push({ rv, json, type: 'DELETED', res: w.res, object: gone, old: prev.obj });
        }
      }
      if (rv - this.compactedRv > CHANGE_WINDOW * 1.2) {
        compacted = rv - CHANGE_WINDOW;
        this.setMeta('rv', String(rv));
        this.sql.exec('DELETE FROM changes WHERE rv <= ?', compacted);
        this.setMeta('compacted', String(compacted));
      }
    });
    // SQLite committed: mirror into the cache.
    this.rv = rv;
    this.compactedRv = compacted;
    for (const c of changes) {
      const m = this.mapFor(c.res);
      const k = keyOf(c.object);
      const before = m.get(k);
      let entry: Entry | undefined;
      if (before) this.bytes -= before.json.length;
      if (c.type === 'DELETED') {
        if (m.delete(k)) this.count--;
      } else {
        if (!before) this.count++;
        m.set(k, (entry = { obj: c.object, json: c.json, key: k }));
        this.bytes += c.json.length;
      }
      const lists = this.sorted.get(c.res);
      if (lists) patchSorted(lists, c.object.metadata.namespace ?? '', k, entry);
    }
    return changes;
  }

  /** Changes after `rv` for one resource, oldest first; undefined when `rv` has been compacted away. */
  changesSince(res: string, rv: number): Change[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const out: Change[] = [];
    for (const row of this.sql.exec<{ rv: number; type: ChangeType; json: string }>('SELECT rv, type, json FROM changes WHERE rv > ? AND res = ? ORDER BY rv', rv, res)) {
      const json = this.fromRow(res, row.json);
      out.push({ rv: row.rv, json, type: row.type, res, object: JSON.parse(json) });
    }
    return out;
  }

  private toRow(res: string, json: string): string {
    return ENCRYPTED.has(res) ? this.cipher.encrypt(json) : json;
  }

  private fromRow(res: string, stored: string): string {
    return ENCRYPTED.has(res) ? this.cipher.decrypt(stored) : stored;
  }

  private mapFor(res: string): Map<string, Entry> {
    let m = this.byRes.get(res);
    if (!m) this.byRes.set(res, (m = new Map()));
    return m;
  }
}

const key = (ns: string, name: string) => `${ns}/${name}`;
const keyOf = (o: KubeObject) => key(o.metadata.namespace ?? '', o.metadata.name ?? '');
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Puts one committed entry (undefined: a delete) into the cached sorted lists that hold its namespace. */
function patchSorted(lists: Map<string, Entry[]>, namespace: string, k: string, entry: Entry | undefined) {
  for (const [ns, list] of lists) {
    if (ns && ns !== namespace) continue;
    let lo = 0;
    for (let hi = list.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (list[mid].key < k) lo = mid + 1;
      else hi = mid;
    }
    const found = lo < list.length && list[lo].key === k;
    if (!entry) {
      if (found) list.splice(lo, 1);
    } else if (found) list[lo] = entry;
    else list.splice(lo, 0, entry);
  }
}
