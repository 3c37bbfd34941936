// npm start: apply the local D1 migrations, then serve the sandbox on https://localhost:8787.
import { spawnSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';

// Secrets are encrypted at rest with SECRETS_KEY: make a local one on first start (.dev.vars is not committed).
if (!existsSync('.dev.vars')) writeFileSync('.dev.vars', `SECRETS_KEY=${randomBytes(32).toString('base64')}\n`);

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const port = process.env.PORT ?? '8787';
const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local'], { stdio: 'inherit', env });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);
const dev = spawn('npx', ['wrangler', 'dev', '--local-protocol', 'https', '--ip', process.env.HOST ?? '127.0.0.1', '--port', port], {
  stdio: 'inherit',
  env,
});
dev.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => dev.kill(sig));
