// Open watch streams of one cluster. Committed changes fan out to every matching stream at once.
import type { KubeObject } from '../resources/types';
import type { Change } from './store';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Bytes a slow client may leave unread before its watch is closed (it re-lists and re-watches). */
const MAX_BUFFERED = 8 * 1024 * 1024;
const encoder = new TextEncoder();

export interface WatchSpec {
  res: string;
  /** '' watches every namespace */
  namespace: string;
  /** selector filter; undefined matches everything */
  matches?: (obj: KubeObject) => boolean;
  /** one event line; `json` is the object's stored JSON text when the caller has it */
  encode: (type: EventType, obj: KubeObject, json?: string) => string;
  /** with allowWatchBookmarks: the BOOKMARK object sent periodically, carrying the current resourceVersion */
  bookmark?: () => KubeObject;
}

/** How often a watch that allows bookmarks gets one (the API server sends them about once a minute). */
export const BOOKMARK_INTERVAL_MS = 60_000;

export class Watch {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  closed = false;
  readonly stream: ReadableStream<Uint8Array>;

  constructor(readonly spec: WatchSpec, private hub: WatchHub) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => void (this.controller = c),
        cancel: () => this.close(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
  }

  /** Ends the stream after `seconds` (the watch's timeoutSeconds), as the API server does, with bookmarks until then. */
  closeAfter(seconds: number) {
    this.timer = setTimeout(() => this.close(), seconds * 1000);
    const bookmark = this.spec.bookmark;
    if (bookmark) this.ticker = setInterval(() => this.send('BOOKMARK', bookmark()), BOOKMARK_INTERVAL_MS);
  }

  send(type: EventType, obj: KubeObject, json?: string) {
    if (this.closed) return;
    if ((this.controller.desiredSize ?? 0) < -MAX_BUFFERED) return this.close();
    this.controller.enqueue(encoder.encode(this.spec.encode(type, obj, json)));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.hub.remove(this);
    try {
      this.controller.close();
    } catch {
      // already cancelled by the client
    }
  }
}

export class WatchHub {
  private watches = new Set<Watch>();
  /** told of every commit, watched or not (the live view) */
  tap: ((changes: Change[]) => void) | undefined;

  open(spec: WatchSpec): Watch {
    const w = new Watch(spec, this);
    this.watches.add(w);
    return w;
  }

  remove(w: Watch) {
    this.watches.delete(w);
  }

  get size() {
    return this.watches.size;
  }

  publish(changes: Change[]) {
    this.tap?.(changes);
    if (!this.watches.size) return;
    for (const c of changes) {
      for (const w of this.watches) {
        const s = w.spec;
        if (s.res !== c.res) continue;
        if (s.namespace && c.object.metadata.namespace !== s.namespace) continue;
        const type = eventFor(c, s.matches);
        if (type) w.send(type, c.object, c.json);
      }
    }
  }

  closeAll() {
    for (const w of [...this.watches]) w.close();
  }
}

/** With a selector, an object that starts matching is ADDED and one that stops matching is DELETED. */
export function eventFor(c: Change, matches?: (o: KubeObject) => boolean): EventType | undefined {
  if (!matches) return c.type;
  // Replayed from the change log: the previous state is unknown, judge the object itself.
  if (!c.old && c.type !== 'ADDED') return matches(c.object) ? c.type : undefined;
  const now = c.type !== 'DELETED' && matches(c.object);
  const before = c.old ? matches(c.old) : false;
  if (c.type === 'DELETED') return before ? 'DELETED' : undefined;
  if (now) return before ? 'MODIFIED' : 'ADDED';
  return before ? 'DELETED' : undefined;
}
