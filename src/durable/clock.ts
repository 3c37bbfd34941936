// The per-cluster clock: real time by default, or paused, stepped and fast-forwarded by the sandbox API,
// so tutorials and tests are deterministic. Cluster time = real time + offset, frozen while paused.
export interface ClockState {
  /** milliseconds added to real time */
  offset: number;
  /** cluster time at which the clock stands still; null when running */
  pausedAt: number | null;
}

export const RUNNING: ClockState = { offset: 0, pausedAt: null };

export class Clock {
  constructor(public state: ClockState, private realNow: () => number = Date.now) {}

  now(): number {
    return this.state.pausedAt ?? this.realNow() + this.state.offset;
  }

  get paused(): boolean {
    return this.state.pausedAt !== null;
  }

  pause() {
    if (!this.paused) this.state = { ...this.state, pausedAt: this.now() };
  }

  resume() {
    if (this.paused) this.state = { offset: this.state.pausedAt! - this.realNow(), pausedAt: null };
  }

  /** Moves cluster time forward (whether paused or running). */
  advance(ms: number) {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.state = this.paused ? { ...this.state, pausedAt: this.state.pausedAt! + ms } : { ...this.state, offset: this.state.offset + ms };
  }

  /** The real time at which cluster time `t` arrives; undefined while paused (only stepping gets there). */
  realTimeOf(t: number): number | undefined {
    return this.paused ? undefined : t - this.state.offset;
  }
}
