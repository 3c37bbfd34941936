import { describe, expect, it } from 'vitest';
import { Clock, RUNNING } from '../../src/durable/clock';

describe('Clock', () => {
  it('follows real time, stands still when paused and maps due times back to real time', () => {
    let real = 1_000_000;
    const c = new Clock(RUNNING, () => real);
    expect(c.now()).toBe(1_000_000);
    c.advance(5000);
    real += 1000;
    expect(c.now()).toBe(1_006_000);
    expect(c.realTimeOf(1_010_000)).toBe(1_005_000);
    c.pause();
    real += 60_000;
    expect(c.now()).toBe(1_006_000);
    expect(c.realTimeOf(1_010_000)).toBeUndefined();
    c.advance(4000);
    expect(c.now()).toBe(1_010_000);
    c.resume();
    real += 500;
    expect(c.now()).toBe(1_010_500);
    expect(() => c.advance(-1)).toThrow(RangeError);
  });
});
