// Runs the end-to-end suite (e2e/*.spec.ts) in Chromium against a running stack:
//   CODE_REMOTE_URL             the served app, e.g. http://127.0.0.1:8080
//   CODE_REMOTE_DEMO_USER       the seeded demo user's username or email
//   CODE_REMOTE_DEMO_PASSWORD   its password
// Without CODE_REMOTE_URL it skips (exit 0) so that CI without a stack stays green.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FRONTEND_DIR } from './lib.mjs';

if (!process.env.CODE_REMOTE_URL) {
  console.log('SKIPPED: no local stack (set CODE_REMOTE_URL)');
  process.exit(0);
}
if (!process.env.CODE_REMOTE_DEMO_USER || !process.env.CODE_REMOTE_DEMO_PASSWORD) {
  console.error('CODE_REMOTE_URL is set but CODE_REMOTE_DEMO_USER or CODE_REMOTE_DEMO_PASSWORD is not.');
  process.exit(2);
}
const vitest = join(FRONTEND_DIR, 'node_modules', '.bin', 'vitest');
const result = spawnSync(vitest, ['run', '--config', 'vitest.e2e.config.ts', ...process.argv.slice(2)], {
  cwd: FRONTEND_DIR,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
