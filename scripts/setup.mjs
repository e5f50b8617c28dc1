// Set-up shared by `npm test` and `npm run demo`: the servers the tests and the demo start
// (Debian's dovecot-imapd, dovecot-lmtpd, redis-server) and the npm dependencies.
// Plain Node with no dependencies, so it runs on a fresh clone before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_PACKAGES = ['dovecot-imapd', 'dovecot-lmtpd', 'redis-server'];
const SERVER_BINARIES = [
  ['dovecot', ['/usr/sbin/dovecot']],
  ['lmtp', ['/usr/lib/dovecot/lmtp']],
  ['imap', ['/usr/lib/dovecot/imap']],
  ['redis-server', ['/usr/bin/redis-server']],
];

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
  }
}

function missingServers() {
  return SERVER_BINARIES.filter(([, candidates]) => !candidates.some((p) => existsSync(p))).map(([name]) => name);
}

/** Installs the server packages when missing: as root on Debian via apt-get, else says what to install. */
export function ensureServers() {
  const missing = missingServers();
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
  if (!isRoot || !isDebian) {
    throw new Error(
      `missing ${missing.join(', ')}: install the Debian packages ${SERVER_PACKAGES.join(' ')} ` +
        `(as root: apt-get install -y ${SERVER_PACKAGES.join(' ')}), then run this again`,
    );
  }
  log(`installing ${SERVER_PACKAGES.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The packages would start system-wide services on install; the project never uses them (its
  // test stack and the demo start their own instances on loopback ports), so Debian's
  // policy-rc.d hook tells invoke-rc.d not to start anything while they install.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...SERVER_PACKAGES], { env });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  const still = missingServers();
  if (still.length > 0) throw new Error(`apt-get finished but ${still.join(', ')} is still missing`);
}

/** `npm ci` when node_modules does not match package-lock.json. */
export function ensureDependencies() {
  const lock = readFileSync(path.join(root, 'package-lock.json'));
  const digest = createHash('sha256').update(lock).digest('hex');
  const stamp = path.join(root, 'node_modules', '.mail-ingest-lock.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === digest) return;
  log('npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, `${digest}\n`);
}

export function build() {
  log('npm run build');
  run('npm', ['run', '-s', 'build']);
}

export function nodeVersionOk() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`Node.js 20 or newer is required (this is ${process.versions.node})`);
}

export { execFileSync };

/** The whole set-up for a command; on failure one line naming what is missing, then exit 1. */
export function setUpOrExit(command) {
  try {
    nodeVersionOk();
    ensureServers();
    ensureDependencies();
    build();
  } catch (err) {
    process.stderr.write(`${command}: ${err.message}\n`);
    process.exit(1);
  }
}
