// One run of the control plane: every controller reconciles, again and again, until a pass writes
// nothing (the cluster is quiet) or the run's budget is spent; then the caller re-arms the alarm.
import type { ApiContext } from '../apiserver/context';
import type { Controller } from './types';

/** Writes one alarm run may make before it yields and re-arms at once. */
export const WRITE_BUDGET = 2000;
const MAX_PASSES = 50;

export interface RunResult {
  /** earliest cluster time some controller wants to run again */
  next?: number;
  /** the budget ran out with work left: run again right away */
  more: boolean;
}

export function runControllers(ctx: ApiContext, controllers: Controller[]): RunResult {
  const start = ctx.store.rv;
  let next: number | undefined;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const before = ctx.store.rv;
    next = undefined;
    for (const c of controllers) {
      let wake: number | undefined;
      try {
        wake = c.reconcile({ ...ctx, user: c.identity });
      } catch (e) {
        // One controller's failure must not stop the others; it is retried on the next run.
        console.error(`controller ${c.name} failed:`, (e as Error)?.message ?? e);
        wake = ctx.now() + 1000;
      }
      if (wake !== undefined && (next === undefined || wake < next)) next = wake;
      if (ctx.store.rv - start >= WRITE_BUDGET) return { next, more: true };
    }
    if (ctx.store.rv === before) return { next, more: false };
  }
  return { next, more: true };
}
