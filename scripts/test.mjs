// `npm test`: the whole suite on a fresh machine. Sets up what it needs (server packages,
// npm ci, build), then runs lint and every test (unit and integration) with vitest.
import { spawnSync } from 'node:child_process';

import { root, setUpOrExit } from './setup.mjs';

setUpOrExit('npm test');

const steps = [
  ['lint', ['npm', 'run', '-s', 'lint']],
  ['tests', ['npx', 'vitest', 'run', ...process.argv.slice(2)]],
];
for (const [name, [cmd, ...args]] of steps) {
  process.stderr.write(`[test] ${name}\n`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    process.stderr.write(`npm test: ${name} failed\n`);
    process.exit(result.status ?? 1);
  }
}
