// Sign-up rate limit per client address: one small Durable Object per address (idFromName(address)) holds
// its token bucket, so every Worker instance sees the same count. Kept in memory: an evicted limiter has been
// idle long enough that its bucket would have refilled anyway.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { takeToken, type Bucket } from './limits';

export class SignupLimiter extends DurableObject<Env> {
  private bucket: Bucket | undefined;

  /** Takes one sign-up; 0 when allowed, else the seconds until the next one is. */
  take(perMinute: number, burst: number): number {
    const r = takeToken(this.bucket, Date.now(), perMinute / 60, burst);
    this.bucket = r.bucket;
    return r.retryAfterSeconds;
  }
}
