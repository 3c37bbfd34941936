import { describe, expect, it } from 'vitest';
import { CronError, nextTime, parseSchedule, rfc1123z, rfc3339In } from '../../src/controllers/cron';

const t = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (spec: string, from: string) => iso(nextTime(parseSchedule(spec), t(from)));

function parseError(spec: string): string {
  try {
    parseSchedule(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(CronError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${spec}`);
}

describe('parseSchedule (robfig/cron v3 ParseStandard)', () => {
  it('reports errors with the upstream texts', () => {
    expect(parseError('* * * *')).toBe('expected exactly 5 fields, found 4: [* * * *]');
    expect(parseError('* * * * * *')).toBe('expected exactly 5 fields, found 6: [* * * * * *]');
    expect(parseError('')).toBe('empty spec string');
    expect(parseError('61 * * * *')).toBe('end of range (61) above maximum (59): 61');
    expect(parseError('* * * * 7')).toBe('end of range (7) above maximum (6): 7');
    expect(parseError('* * 0 * *')).toBe('beginning of range (0) below minimum (1): 0');
    expect(parseError('5-2 * * * *')).toBe('beginning of range (5) beyond end of range (2): 5-2');
    expect(parseError('x * * * *')).toBe('failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    expect(parseError('*/0 * * * *')).toBe('step of range should be a positive number: */0');
    expect(parseError('1-2-3 * * * *')).toBe('too many hyphens: 1-2-3');
    expect(parseError('*/2/3 * * * *')).toBe('too many slashes: */2/3');
    expect(parseError('@fortnightly')).toBe('unrecognized descriptor: @fortnightly');
    expect(parseError('@every 5x')).toBe('failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"');
    expect(parseError('TZ=Mars/Olympus * * * * *')).toBe('provided bad location Mars/Olympus: unknown time zone Mars/Olympus');
  });

  it('accepts names, lists, ranges, steps and descriptors', () => {
    for (const spec of ['*/5 * * * *', '0 9-17 * * MON-FRI', '0 0 1 jan,Jul *', '? ? ? ? ?', '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@every 1h30m']) {
      expect(() => parseSchedule(spec), spec).not.toThrow();
    }
  });
});

describe('nextTime (SpecSchedule.Next)', () => {
  it('finds the next minute boundary strictly after the given time', () => {
    expect(next('*/5 * * * *', '2025-11-01T10:02:30Z')).toBe('2025-11-01T10:05:00.000Z');
    expect(next('*/5 * * * *', '2025-11-01T10:05:00Z')).toBe('2025-11-01T10:10:00.000Z');
    expect(next('* * * * *', '2025-11-01T10:05:00.500Z')).toBe('2025-11-01T10:06:00.000Z');
    expect(next('@hourly', '2025-11-01T10:00:00Z')).toBe('2025-11-01T11:00:00.000Z');
    expect(next('@daily', '2025-12-31T23:59:00Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(next('@monthly', '2025-01-31T12:00:00Z')).toBe('2025-02-01T00:00:00.000Z');
    expect(next('0 9-17/4 * * *', '2025-11-01T10:00:00Z')).toBe('2025-11-01T13:00:00.000Z');
  });

  it('ORs day-of-month and day-of-week when both are restricted, ANDs when one is a star', () => {
    // 2025-11-01 is a Saturday; the 13th of November is a Thursday, Friday the 7th comes first.
    expect(next('0 0 13 * 5', '2025-11-01T00:00:00Z')).toBe('2025-11-07T00:00:00.000Z');
    expect(next('0 0 * * 5', '2025-11-01T00:00:00Z')).toBe('2025-11-07T00:00:00.000Z');
    expect(next('0 0 13 * *', '2025-11-01T00:00:00Z')).toBe('2025-11-13T00:00:00.000Z');
    // */1 keeps the star, a larger step does not.
    expect(next('0 0 */2 * 5', '2025-11-01T00:00:00Z')).toBe('2025-11-03T00:00:00.000Z');
  });

  it('gives up on impossible dates and handles @every and time zones', () => {
    expect(next('0 0 31 2 *', '2025-01-01T00:00:00Z')).toBeUndefined();
    expect(next('@every 90s', '2025-11-01T10:00:00.700Z')).toBe('2025-11-01T10:01:30.000Z');
    expect(next('TZ=Asia/Tokyo 0 9 * * *', '2025-01-01T00:00:00Z')).toBe('2025-01-02T00:00:00.000Z');
    expect(next('CRON_TZ=America/New_York 30 2 * * *', '2025-06-01T12:00:00Z')).toBe('2025-06-02T06:30:00.000Z');
  });
});

describe('time formats', () => {
  it('writes RFC 3339 in a zone and RFC 1123Z in UTC as Go does', () => {
    expect(rfc3339In(t('2025-01-01T00:00:00Z'))).toBe('2025-01-01T00:00:00Z');
    expect(rfc3339In(t('2025-01-01T00:00:00Z'), 'Asia/Tokyo')).toBe('2025-01-01T09:00:00+09:00');
    expect(rfc3339In(t('2025-01-01T00:00:00Z'), 'America/New_York')).toBe('2024-12-31T19:00:00-05:00');
    expect(rfc1123z(t('2025-11-01T00:05:00Z'))).toBe('Sat, 01 Nov 2025 00:05:00 +0000');
  });
});
