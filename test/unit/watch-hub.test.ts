import { afterEach, describe, expect, it, vi } from 'vitest';
import { BOOKMARK_INTERVAL_MS, WatchHub, eventFor } from '../../src/durable/watch-hub';
import type { Change } from '../../src/durable/store';

const obj = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, namespace: 'default', labels } });
const change = (type: Change['type'], o: any, old?: any): Change => ({ rv: 1, json: JSON.stringify(o), type, res: '/pods', object: o, old });

async function drain(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(stream).text();
  return text.split('\n').filter(Boolean);
}

afterEach(() => vi.useRealTimers());

describe('WatchHub', () => {
  it('delivers matching changes, sends bookmarks periodically and ends at the timeout', async () => {
    vi.useFakeTimers();
    const hub = new WatchHub();
    let rv = 5;
    const w = hub.open({
      res: '/pods',
      namespace: 'default',
      encode: (type, o) => `${type} ${o.metadata.name ?? ''} ${o.metadata.resourceVersion ?? ''}\n`,
      bookmark: () => ({ metadata: { resourceVersion: String(rv) } }),
    });
    w.closeAfter(150);
    hub.publish([change('ADDED', obj('a')), { ...change('ADDED', obj('x')), res: '/services' }]);
    hub.publish([{ ...change('ADDED', { metadata: { name: 'b', namespace: 'other' } }) }]);
    rv = 9;
    vi.advanceTimersByTime(BOOKMARK_INTERVAL_MS);
    vi.advanceTimersByTime(150_000 - BOOKMARK_INTERVAL_MS);
    expect(hub.size).toBe(0);
    expect(await drain(w.stream)).toEqual(['ADDED a ', 'BOOKMARK  9', 'BOOKMARK  9']);
  });

  it('closes a watch whose reader falls too far behind', () => {
    const hub = new WatchHub();
    const big = 'x'.repeat(1024 * 1024);
    const w = hub.open({ res: '/pods', namespace: '', encode: () => big });
    for (let i = 0; i < 10; i++) w.send('ADDED', obj('a'));
    expect(w.closed).toBe(true);
    expect(hub.size).toBe(0);
  });
});

describe('eventFor', () => {
  const web = (o: any) => o.metadata.labels?.tier === 'web';
  it('turns selector transitions into ADDED and DELETED', () => {
    expect(eventFor(change('MODIFIED', obj('a', { tier: 'web' }), obj('a', { tier: 'db' })), web)).toBe('ADDED');
    expect(eventFor(change('MODIFIED', obj('a', { tier: 'db' }), obj('a', { tier: 'web' })), web)).toBe('DELETED');
    expect(eventFor(change('MODIFIED', obj('a', { tier: 'web' }), obj('a', { tier: 'web' })), web)).toBe('MODIFIED');
    expect(eventFor(change('MODIFIED', obj('a', { tier: 'db' }), obj('a', { tier: 'db' })), web)).toBeUndefined();
    expect(eventFor(change('DELETED', obj('a', { tier: 'web' }), obj('a', { tier: 'web' })), web)).toBe('DELETED');
    expect(eventFor(change('MODIFIED', obj('a', { tier: 'db' })))).toBe('MODIFIED');
  });
});
