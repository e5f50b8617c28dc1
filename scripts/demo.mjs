// `npm run demo`: the embedded default end to end on a fresh machine. Sets up what it needs
// (server packages, npm ci, build), then runs `mail-ingest demo`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { root, setUpOrExit } from './setup.mjs';

setUpOrExit('npm run demo');
const result = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'demo'], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
