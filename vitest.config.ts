// Integration tests: the real Worker and Durable Object inside workerd (vitest-pool-workers).
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/** A fixed key for tests only (32 bytes, base64). */
const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  return {
    plugins: [
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        // Test traffic signs up hundreds of clusters from one address, quickly: rate limits far above it
        // (test/integration/lifecycle-limits.test.ts lowers them where it proves the 429s).
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, SECRETS_KEY: TEST_SECRETS_KEY, SIGNUP_BURST: '1000000', CLUSTER_RPS: '1000000', CLUSTER_BURST: '1000000' } },
      }),
    ],
    test: {
      include: ['test/integration/**/*.test.ts'],
      setupFiles: ['./test/integration/apply-migrations.ts'],
    },
  };
});
