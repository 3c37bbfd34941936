// get, list and watch.
import { resKey, grOf, type ApiContext } from './context';
import { badRequest, expired, invalid, notFound } from './errors';
import { forbidden as forbiddenField } from './field-errors';
import { selectorFilter } from './filters';
import { queryBool } from './request';
import { columnDefinitions, includeObjectOf, listKind, table, tableRow, wantsTable } from './table';
import { apiVersionOf, type KubeObject, type ResourceDef } from '../resources/types';
import type { Entry } from '../durable/store';
import type { EventType } from '../durable/watch-hub';
import { checkWatchCap } from '../durable/limits';

const JSON_HEADERS = { 'content-type': 'application/json' };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function getEntry(ctx: ApiContext, def: ResourceDef, namespace: string, name: string): Entry {
  const e = ctx.store.get(resKey(def), namespace, name);
  if (!e) throw notFound(grOf(def), name);
  return e;
}

/** An object as the client asked for it: JSON, or a one-row Table. */
export function objectResponse(ctx: ApiContext, def: ResourceDef, req: Request, e: Entry | KubeObject, status = 200): Response {
  // A store entry carries its JSON text: answering with it saves a serialization.
  const entry = 'json' in e && 'obj' in e ? (e as Entry) : undefined;
  const obj = entry ? entry.obj : (e as KubeObject);
  if (wantsTable(req.headers.get('accept'))) {
    const q = new URL(req.url).searchParams;
    return json(table(def, [obj], ctx.now(), includeObjectOf(q), { resourceVersion: obj.metadata.resourceVersion ?? '' }), status);
  }
  return json(entry ? entry.json : obj, status);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof t.rv === 'number' && typeof t.start === 'string') return t;
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

const encodeContinue = (t: ContinueToken) => btoa(JSON.stringify(t)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function list(ctx: ApiContext, def: ResourceDef, namespace: string, req: Request): Response {
  const q = new URL(req.url).searchParams;
  const filter = selectorFilter(def, q);
  const limit = Math.max(0, Number.parseInt(q.get('limit') ?? '0', 10) || 0);
  const cont = q.get('continue') ? decodeContinue(q.get('continue')!) : undefined;
  if (cont && cont.rv < ctx.store.compactedRv) {
    throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
  }

  let entries = ctx.store.list(resKey(def), namespace);
  if (cont) entries = entries.filter((e) => keyOf(e.obj) > cont.start);
  if (filter) entries = entries.filter((e) => filter(e.obj));
  const rv = cont ? cont.rv : ctx.store.rv;
  const listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(rv) };
  if (limit && entries.length > limit) {
    const page = entries.slice(0, limit);
    listMeta.continue = encodeContinue({ rv, start: keyOf(page[page.length - 1].obj) });
    if (!filter) listMeta.remainingItemCount = entries.length - limit;
    entries = page;
  }

  if (wantsTable(req.headers.get('accept'))) {
    return json(table(def, entries.map((e) => e.obj), ctx.now(), includeObjectOf(q), listMeta));
  }
  // Concatenate the stored JSON texts: no parse/serialize round trip per item.
  const head = JSON.stringify({ ...listKind(def), metadata: listMeta });
  return json(`${head.slice(0, -1)},"items":[${entries.map((e) => e.json).join(',')}]}`);
}

/** Longest watch we keep open; clients re-watch from their last resourceVersion. */
export const MAX_WATCH_SECONDS = 1800;

export function watch(ctx: ApiContext, def: ResourceDef, namespace: string, req: Request): Response {
  const q = new URL(req.url).searchParams;
  const filter = selectorFilter(def, q);
  const rvParam = q.get('resourceVersion') ?? '';
  const sendInitial = queryBool(q, 'sendInitialEvents');
  const bookmarks = queryBool(q, 'allowWatchBookmarks');
  if (sendInitial) {
    const errs = [];
    if (q.get('resourceVersionMatch') !== 'NotOlderThan') {
      errs.push(forbiddenField('resourceVersionMatch', "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
    }
    if (!bookmarks) errs.push(forbiddenField('allowWatchBookmarks', 'sendInitialEvents requires setting allowWatchBookmarks to true'));
    if (errs.length) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
  }
  if (rvParam && !/^\d+$/.test(rvParam)) throw badRequest(`Invalid value: "${rvParam}": resourceVersion must be a non-negative integer`);
  const fromRv = Number(rvParam || 0);

  const asTable = wantsTable(req.headers.get('accept'));
  const include = includeObjectOf(q);
  let headerSent = false;
  const encode = (type: EventType, obj: KubeObject, text?: string): string => {
    if (asTable && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) {
      const t = {
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: obj.metadata.resourceVersion ?? '' },
        columnDefinitions: headerSent ? [] : columnDefinitions(def),
        rows: [tableRow(def, obj, ctx.now(), include)],
      };
      headerSent = true;
      return `{"type":"${type}","object":${JSON.stringify(t)}}\n`;
    }
    return `{"type":"${type}","object":${text ?? JSON.stringify(obj)}}\n`;
  };

  const bookmark = (annotations?: Record<string, string>): KubeObject => ({
    kind: def.kind,
    apiVersion: apiVersionOf(def),
    metadata: { resourceVersion: String(ctx.store.rv), ...(annotations ? { annotations } : {}) },
  });
  checkWatchCap(ctx);
  const w = ctx.hub.open({ res: resKey(def), namespace, matches: filter, encode, bookmark: bookmarks ? () => bookmark() : undefined });
  // Everything below runs without awaiting, so no change can slip between the snapshot and the live stream.
  if (sendInitial || fromRv === 0) {
    for (const e of ctx.store.list(resKey(def), namespace)) if (!filter || filter(e.obj)) w.send('ADDED', e.obj, e.json);
    if (sendInitial) w.send('BOOKMARK', bookmark({ 'k8s.io/initial-events-end': 'true' }));
  } else {
    const changes = ctx.store.changesSince(resKey(def), fromRv);
    if (!changes) {
      const status = expired(`too old resource version: ${fromRv} (${ctx.store.compactedRv})`).toStatus();
      w.send('ERROR', status as unknown as KubeObject);
      w.close();
    } else {
      for (const c of changes) {
        if (namespace && c.object.metadata.namespace !== namespace) continue;
        if (!filter || filter(c.object)) w.send(c.type, c.object, c.json);
      }
    }
  }
  const requested = Number.parseInt(q.get('timeoutSeconds') ?? '', 10);
  const longest = ctx.caps?.watchSeconds ?? MAX_WATCH_SECONDS;
  w.closeAfter(requested > 0 ? Math.min(requested, longest) : longest);
  // identity: a compressing proxy would hold events back until its buffer fills.
  return new Response(w.stream, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-cache, no-transform', 'content-encoding': 'identity' } });
}

