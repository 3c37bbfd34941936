// The pure parts of lifecycle and limits: ttl parsing, the token bucket, caps, client addresses, presets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/apiserver/request';
import { capExceeded, capsFromEnv, envNumber, parseTtl, takeToken, type Bucket } from '../../src/durable/limits';
import { PRESET_NAMES, presetObjects } from '../../src/presets/presets';
// @ts-expect-error a plain ESM script without types
import { OUT, bundle } from '../../presets/generate.mjs';

const bounds = { minSeconds: 300, maxSeconds: 7 * 86400 };

describe('parseTtl', () => {
  it('takes seconds and durations', () => {
    expect(parseTtl(3600, bounds)).toBe(3600);
    expect(parseTtl('2h', bounds)).toBe(7200);
    expect(parseTtl('1h30m', bounds)).toBe(5400);
    expect(parseTtl('7d', bounds)).toBe(604800);
    expect(parseTtl('300s', bounds)).toBe(300);
  });
  it('refuses malformed and out-of-bounds values with a message', () => {
    for (const v of ['', '2', 'h', '2 h', '1.5h', '-1h', '2H', null, undefined, {}, [], true]) expect(typeof parseTtl(v, bounds)).toBe('string');
    expect(parseTtl(0, bounds)).toMatch(/positive/);
    expect(parseTtl(NaN, bounds)).toMatch(/positive/);
    expect(parseTtl(Infinity, bounds)).toMatch(/positive/);
    expect(parseTtl(299, bounds)).toBe('ttl must be at least 300s');
    expect(parseTtl('8d', bounds)).toBe('ttl must be at most 604800s (168h)');
  });
});

describe('takeToken', () => {
  it('allows a burst, then one per 1/rate seconds, with Retry-After in whole seconds', () => {
    let b: Bucket | undefined;
    const at = (now: number) => {
      const r = takeToken(b, now, 0.5, 2);
      b = r.bucket;
      return r.retryAfterSeconds;
    };
    expect([at(0), at(0), at(0)]).toEqual([0, 0, 2]);
    expect(at(1000)).toBe(1); // half a token back: one more second
    expect(at(2000)).toBe(0);
    expect(at(100_000)).toBe(0); // refilled, but never beyond the burst
    expect(at(100_000)).toBe(0);
    expect(at(100_000)).toBe(2);
  });
  it('is not fooled by a clock that goes backwards', () => {
    const r = takeToken({ tokens: 0, at: 5000 }, 1000, 10, 5);
    expect(r.retryAfterSeconds).toBe(1);
  });
});

describe('caps', () => {
  const caps = capsFromEnv({ MAX_PODS: '2', MAX_NODES: '1', MAX_STORED_BYTES: '100' });
  it('reads env with defaults; a malformed value keeps the default', () => {
    expect(capsFromEnv({})).toEqual({ bytes: 64 * 1024 * 1024, nodes: 20, pods: 1000, watches: 50, watchSeconds: 1800, rps: 50, burst: 100 });
    expect(capsFromEnv({ MAX_PODS: 'lots', MAX_NODES: '-1', CLUSTER_RPS: '0' })).toMatchObject({ pods: 1000, nodes: 20, rps: 50 });
    expect(envNumber('2.5', 1)).toBe(2.5);
  });
  it('names the cap a create would exceed', () => {
    const counts: Record<string, number> = { '/pods': 2, '/nodes': 0 };
    const usage = { bytes: 10, countOf: (res: string) => counts[res] ?? 0 };
    expect(capExceeded(caps, usage, '/pods')).toBe('exceeded the sandbox pod limit: this cluster may hold at most 2 pods');
    expect(capExceeded(caps, usage, '/nodes')).toBeUndefined();
    expect(capExceeded(caps, usage, '/configmaps')).toBeUndefined();
    counts['/nodes'] = 1;
    expect(capExceeded(caps, usage, '/nodes')).toMatch(/at most 1 nodes/);
    usage.bytes = 100;
    expect(capExceeded(caps, usage, '/configmaps')).toMatch(/storage limit: this cluster may store at most 100 bytes/);
  });
});

describe('clientAddress', () => {
  it('prefers cf-connecting-ip, then x-real-ip, then the first x-forwarded-for hop, else the local address', () => {
    expect(clientAddress(new Headers({ 'cf-connecting-ip': '203.0.113.9', 'x-forwarded-for': '1.1.1.1' }))).toBe('203.0.113.9');
    expect(clientAddress(new Headers({ 'x-real-ip': '198.51.100.7', 'x-forwarded-for': '1.1.1.1' }))).toBe('198.51.100.7');
    expect(clientAddress(new Headers({ 'x-forwarded-for': ' 192.0.2.4 , 10.0.0.1' }))).toBe('192.0.2.4');
    expect(clientAddress(new Headers({ 'x-forwarded-for': '' }))).toBe('127.0.0.1');
    expect(clientAddress(new Headers())).toBe('127.0.0.1');
    expect(clientAddress(new Headers({ 'cf-connecting-ip': 'x'.repeat(100) }))).toHaveLength(64);
  });
});

describe('presets', () => {
  it('bundles presets/*.yaml as they are (run `node presets/generate.mjs` after editing one)', () => {
    expect(readFileSync(OUT, 'utf8')).toBe(bundle());
  });
  it('has the empty bootstrap and the guestbook', () => {
    expect(PRESET_NAMES).toEqual(['empty', 'guestbook']);
    expect(presetObjects('empty')).toEqual([]);
    expect(presetObjects('guestbook').map((o) => `${o.kind}/${o.metadata.name}/${o.spec.replicas ?? ''}`)).toEqual([
      'ReplicationController/redis-master/1', 'Service/redis-master/', 'ReplicationController/redis-slave/2', 'Service/redis-slave/',
      'ReplicationController/frontend/3', 'Service/frontend/',
    ]);
  });
});
