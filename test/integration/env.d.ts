// The bindings tests see: the Worker's own plus the D1 migrations handed in by vitest.config.ts.
type WorkerEnv = import('../../src/env').Env;

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    }
  }
}
export {};
