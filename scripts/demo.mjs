// `npm run demo`: the embedded default end to end on a fresh machine. Sets up what it needs
// (server packages, npm ci, build), then runs `mail-ingest demo`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { build, ensureDependencies, ensureServers, nodeVersionOk, root } from './setup.mjs';

try {
  nodeVersionOk();
  ensureServers();
  ensureDependencies();
  build();
} catch (err) {
  process.stderr.write(`npm run demo: ${err.message}\n`);
  process.exit(1);
}
const result = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'demo'], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
