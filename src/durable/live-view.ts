// The live view's WebSocket (`/ui/ws?token=`): a trimmed snapshot on connect, then every committed change of
// the kinds the page draws, coalesced per batch. Sockets use the hibernation API and carry their identity in
// tags, so an idle open tab costs nothing and survives the Durable Object's eviction.
import { ApiError, statusResponse, unauthorized } from '../apiserver/errors';
import { podCells } from '../resources/pods';
import { coreEventOf } from '../resources/events-v1';
import type { KubeObject } from '../resources/types';
import type { Change, Store } from './store';
import type { TimelineEntry } from '../history/history';

export const LIVE_PATH = '/ui/ws';
/** Every live-view socket carries this tag; the second tag says who opened it. */
const LIVE_TAG = 'live';
export const OWNER_TAG = 'owner';
export const viewerTag = (name: string) => `viewer:${name}`;

/** Changes within this window go out as one message (a scale-up or a controller run is a burst). */
const BATCH_MS = 100;
/** Items per message, so a large cluster's snapshot stays well under the 1 MiB message limit. */
const CHUNK = 500;
/** Events in a snapshot (the newest). */
const SNAPSHOT_EVENTS = 100;

export type ItemKind = 'Node' | 'Pod' | 'Service' | 'EndpointSlice' | 'Controller' | 'Event';
export interface Item {
  kind: ItemKind;
  /** `<kind>/<namespace>/<name>`, unique across the page's maps */
  key: string;
  [field: string]: unknown;
}
export interface LiveChange {
  op: 'ADDED' | 'MODIFIED' | 'DELETED';
  item: Item;
}
/** Server → client: `snapshot` replaces everything the page holds; `changes` apply in order; `error` explains. */
export type LiveMessage =
  | { type: 'snapshot'; now: string; items: Item[] }
  | { type: 'changes'; now: string; changes: LiveChange[] }
  | { type: 'timeline'; entries: TimelineEntry[] }
  | { type: 'error'; message: string };

const CONTROLLERS: Record<string, string> = {
  'apps/deployments': 'Deployment',
  'apps/replicasets': 'ReplicaSet',
  '/replicationcontrollers': 'ReplicationController',
  'apps/statefulsets': 'StatefulSet',
  'apps/daemonsets': 'DaemonSet',
};
const EVENTS = ['/events', 'events.k8s.io/events'];
/** Every resource the page draws; nothing else (Secrets above all) ever reaches a socket. */
export const LIVE_RESOURCES = new Set(['/nodes', '/pods', '/services', 'discovery.k8s.io/endpointslices', ...Object.keys(CONTROLLERS), ...EVENTS]);

const meta = (kind: ItemKind, o: KubeObject, sub: string = kind) => ({
  kind,
  key: `${sub}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
  namespace: o.metadata.namespace ?? '',
  name: o.metadata.name ?? '',
});

/** What the page draws of one object, or undefined for a resource it does not draw. Pure. */
export function trim(res: string, o: KubeObject, now: number): Item | undefined {
  const spec: any = o.spec ?? {};
  const status: any = o.status ?? {};
  if (res === '/nodes') {
    const ready = (status.conditions ?? []).find((c: any) => c?.type === 'Ready')?.status ?? 'Unknown';
    return { ...meta('Node', o), ready, unschedulable: !!spec.unschedulable };
  }
  if (res === '/pods') {
    const cells = podCells(o, now);
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
    return {
      ...meta('Pod', o),
      node: spec.nodeName ?? '',
      phase: status.phase ?? 'Pending',
      status: cells.status,
      ready: cells.ready,
      restarts: parseInt(cells.restarts, 10) || 0,
      owner: owner ? `${owner.kind}/${owner.name}` : '',
      deleting: !!o.metadata.deletionTimestamp,
    };
  }
  if (res === '/services') {
    const ports = (spec.ports ?? []).map((p: any) => `${p.port}/${p.protocol ?? 'TCP'}`);
    return { ...meta('Service', o), type: spec.type ?? 'ClusterIP', clusterIP: spec.clusterIP ?? '', ports };
  }
  if (res === 'discovery.k8s.io/endpointslices') {
    const endpoints = ((o as any).endpoints ?? []).map((e: any) => ({
      address: e?.addresses?.[0] ?? '',
      ready: e?.conditions?.ready !== false,
      pod: e?.targetRef?.kind === 'Pod' ? e.targetRef.name : '',
    }));
    return { ...meta('EndpointSlice', o), service: o.metadata.labels?.['kubernetes.io/service-name'] ?? '', endpoints };
  }
  const kind = CONTROLLERS[res];
  if (kind) {
    const daemon = kind === 'DaemonSet';
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
    return {
      ...meta('Controller', o, kind),
      type: kind,
      desired: daemon ? status.desiredNumberScheduled ?? 0 : spec.replicas ?? 1,
      ready: (daemon ? status.numberReady : status.readyReplicas) ?? 0,
      owner: owner ? `${owner.kind}/${owner.name}` : '',
    };
  }
  if (EVENTS.includes(res)) {
    const e: any = res === '/events' ? o : coreEventOf(o);
    return {
      ...meta('Event', o, res === '/events' ? 'Event' : 'EventV1'),
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      message: e.message ?? '',
      object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
      count: e.count ?? 1,
      time: e.lastTimestamp ?? e.eventTime ?? o.metadata.creationTimestamp ?? '',
    };
  }
  return undefined;
}

/** Everything the page draws, newest events only. Pure over the store. */
export function snapshot(store: Store, now: number): Item[] {
  const items: Item[] = [];
  const events: Item[] = [];
  for (const res of LIVE_RESOURCES) {
    for (const e of store.entries(res)) {
      const item = trim(res, e.obj, now);
      if (item) (item.kind === 'Event' ? events : items).push(item);
    }
  }
  events.sort((a, b) => String(a.time).localeCompare(String(b.time)));
  return [...items, ...events.slice(-SNAPSHOT_EVENTS)];
}

/** Committed changes as the page sees them: relevant kinds only, the last change per object. Pure. */
export function coalesce(changes: Change[], now: number): LiveChange[] {
  const out = new Map<string, LiveChange>();
  for (const c of changes) {
    const item = trim(c.res, c.object, now);
    if (!item) continue;
    // Created within the batch: still ADDED for the page, whatever happened to it since (unless deleted).
    const op = out.get(item.key)?.op === 'ADDED' && c.type === 'MODIFIED' ? 'ADDED' : c.type;
    out.delete(item.key); // keeps the map in commit order of each object's last change
    out.set(item.key, { op, item });
  }
  return [...out.values()];
}

const chunks = <T>(xs: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out.length ? out : [[]];
};

/** Who a token is: the owner, a viewer (by name), or nobody. */
export type LiveAuth = (token: string) => Promise<string | undefined>;

export class LiveView {
  /** changes committed since the last flush; undefined when no flush is scheduled */
  private pending: Change[] | undefined;

  constructor(
    private ctx: DurableObjectState,
    private store: () => Store | undefined,
    private now: () => number,
    /** the newest revisions from history, for the page's timeline of what happened before it connected */
    private past: () => Promise<TimelineEntry[]>,
  ) {
    // Keep-alive pings are answered without waking a hibernated Durable Object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  /** The upgrade: `Upgrade: websocket` and a valid token, else a Status (before any upgrade). */
  async open(req: Request, who: LiveAuth): Promise<Response> {
    try {
      if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') throw new ApiError(426, 'UpgradeRequired', 'the live view is a WebSocket: send Upgrade: websocket', {});
      const token = new URL(req.url).searchParams.get('token');
      if (!token) throw unauthorized();
      const tag = await who(token);
      if (!tag) throw unauthorized();
      const [client, server] = Object.values(new WebSocketPair());
      this.ctx.acceptWebSocket(server, [LIVE_TAG, tag]);
      this.sendSnapshot(server);
      void this.past().then((entries) => send(server, JSON.stringify({ type: 'timeline', entries } satisfies LiveMessage)));
      return new Response(null, { status: 101, webSocket: client });
    } catch (e) {
      if (e instanceof ApiError) return statusResponse(e);
      throw e;
    }
  }

  /** Called with every commit (the watch hub's tap); a flush goes out at most BATCH_MS later. */
  changed(changes: Change[]) {
    if (!changes.length) return;
    if (!this.pending) {
      if (!this.ctx.getWebSockets(LIVE_TAG).length) return;
      this.pending = [];
      setTimeout(() => this.flush(), BATCH_MS);
    }
    for (const c of changes) if (LIVE_RESOURCES.has(c.res)) this.pending.push(c);
  }

  private flush() {
    const changes = coalesce(this.pending ?? [], this.now());
    this.pending = undefined;
    if (!changes.length) return;
    const now = new Date(this.now()).toISOString();
    const texts = chunks(changes).map((part) => JSON.stringify({ type: 'changes', now, changes: part } satisfies LiveMessage));
    for (const ws of this.ctx.getWebSockets(LIVE_TAG)) for (const t of texts) send(ws, t);
  }

  /** A client may ask for a fresh snapshot ("snapshot"); "ping" is answered by the runtime without waking us. */
  message(ws: WebSocket, msg: string | ArrayBuffer) {
    if (msg === 'snapshot') return this.sendSnapshot(ws);
    send(ws, JSON.stringify({ type: 'error', message: 'unknown message: send "snapshot" or "ping"' } satisfies LiveMessage));
  }

  /** Completes the close handshake the client started (older compatibility dates do not do it for us). */
  closed(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closing');
    } catch {
      // already closed
    }
  }

  /** Ends every socket a revoked viewer token opened. */
  revoke(name: string) {
    for (const ws of this.ctx.getWebSockets(viewerTag(name))) ws.close(4001, 'viewer token revoked');
  }

  private sendSnapshot(ws: WebSocket) {
    const store = this.store();
    if (!store) return ws.close(4004, 'cluster not found');
    const now = new Date(this.now()).toISOString();
    const [first, ...rest] = chunks(snapshot(store, this.now()));
    send(ws, JSON.stringify({ type: 'snapshot', now, items: first } satisfies LiveMessage));
    for (const part of rest) send(ws, JSON.stringify({ type: 'changes', now, changes: part.map((item) => ({ op: 'ADDED', item })) } satisfies LiveMessage));
  }
}

function send(ws: WebSocket, text: string) {
  try {
    ws.send(text);
  } catch {
    // closing or closed: the runtime reports the close separately
  }
}
