/**
 * Runs the built daemon (`node dist/cli.js run`) as a child process, reads its JSON log lines,
 * and makes sure it never outlives the bench: every child is in `children` until it exits, the
 * bench's exit / signal handlers SIGKILL whatever is left, and where util-linux `setpriv` exists
 * the child also gets PR_SET_PDEATHSIG=SIGKILL (it dies with the bench even on `kill -9`).
 *
 * Run as a script, `node bench/daemon.mjs --config PATH --threads N` is what `mail-ingest run`
 * does (config -> logger -> Daemon -> start; SIGTERM -> stop), but with
 * DaemonOptions.parserThreads = N, which the CLI does not expose (--sweep uses it).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clearTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

import { PREFIX, STATE_PREFIX } from './env.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
const SETPRIV = '/usr/bin/setpriv';

/** Children still running; killed synchronously by killChildren(). */
const children = new Set();

export function killChildren() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The daemon's config for one run on the bench's servers: one tenant `acme` (by default the
 * bench's mailbox and Redis prefixes), plain IMAP on loopback.
 */
export function writeDaemonConfig(
  dir,
  env,
  { level, name, user = env.user, prefix = PREFIX, statePrefix = prefix === PREFIX ? STATE_PREFIX : prefix },
) {
  const { url: redisUrl } = env.redis;
  const { imapPort } = env.dovecot;
  const { password } = env;
  const [mailbox, domain] = user.split('@');
  const lines = [
    'redis:',
    `  url: ${redisUrl}`,
    `  prefix: ${prefix}`,
    `  statePrefix: ${statePrefix}`,
    'http:',
    '  listen: "off"',
    'log:',
    `  level: ${level}`,
    'defaults:',
    '  poll: { interval: 1h, idle: true }',
    'tenants:',
    '  acme:',
    '    assistant:',
    `      mailbox: ${mailbox}`,
    `      domain: ${domain}`,
    '    imap:',
    '      host: 127.0.0.1',
    `      port: ${imapPort}`,
    '      tls: none',
    '      allowInsecure: true',
    `      user: ${user}`,
    `      password: "${password}"`,
  ];
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** user+system CPU seconds of a process (all its threads) from /proc; null if unknown. */
function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

export class DaemonRun {
  /** 'message processed' lines seen (not kept: 5,000 of them would only cost memory). */
  processed = 0;
  /** Every other log line, parsed, with the wall-clock time it arrived. */
  logs = [];
  stderr = '';
  /** { time: the line's own `time` (ms), arrived: when the bench read it (ms) } */
  connected = null;
  /** 'cycle done' lines (level debug): { end: ms, ms: duration, messages } */
  cycles = [];
  exitStatus = null;

  constructor(configPath, { nodeArgs = [], env = process.env, script = null, scriptArgs = [] } = {}) {
    const args = script
      ? [...nodeArgs, script, '--config', configPath, ...scriptArgs]
      : [...nodeArgs, CLI, 'run', '--config', configPath];
    this.spawnedAt = Date.now();
    this.proc = existsSync(SETPRIV)
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', process.execPath, ...args], {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        children.delete(this.proc);
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
    this.proc.once('error', (err) => {
      this.stderr += `spawn error: ${err.message}\n`;
    });
    let buffered = '';
    this.proc.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        // Cheap test first: at level info there is one of these per message.
        if (line.includes('"msg":"message processed"')) {
          this.processed++;
          continue;
        }
        const arrived = Date.now();
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          entry = { level: 'raw', msg: line };
        }
        if (entry.msg === 'imap connected' && !this.connected) {
          this.connected = { time: Date.parse(entry.time), arrived };
        }
        if (entry.msg === 'cycle done') {
          this.cycles.push({ end: Date.parse(entry.time), ms: entry.ms, messages: entry.messages });
          continue;
        }
        if (this.logs.length < 2000) this.logs.push({ ...entry, arrived });
      }
    });
    this.proc.stderr.setEncoding('utf8').on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-8000);
    });
  }

  get pid() {
    return this.proc.pid;
  }

  get running() {
    return this.exitStatus === null;
  }

  /** user+system CPU seconds of the daemon so far (all threads), from /proc; null if unknown. */
  cpuSeconds() {
    return processCpuSeconds(this.proc.pid);
  }

  /** Problems it logged (level warn and above), for error messages. */
  problems() {
    return this.logs.filter((l) => ['warn', 'error', 'fatal', 'raw'].includes(l.level));
  }

  describe() {
    const problems = this.problems()
      .slice(-5)
      .map((l) => JSON.stringify(l))
      .join('\n');
    return `daemon pid ${this.pid} exit ${JSON.stringify(this.exitStatus)}\nlast problems:\n${problems}\nstderr:\n${this.stderr.slice(-2000)}`;
  }

  async waitFor(predicate, description, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (predicate()) return;
      if (!this.running)
        throw new Error(`daemon exited while waiting for ${description}\n${this.describe()}`);
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}\n${this.describe()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM (graceful: the daemon logs out and exits 0), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000) {
    if (!this.running) return this.exitStatus;
    this.proc.kill('SIGTERM');
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const result = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (result === 'late') {
      this.proc.kill('SIGKILL');
      await this.exited;
      throw new Error(`daemon did not exit within ${graceMs} ms of SIGTERM (killed)`);
    }
    return this.exitStatus;
  }
}

// ---------------------------------------------------------------------------------------------
// As a script: the daemon with a given number of parser threads (see the header).

async function runWithThreads(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    if (i < 0 || argv[i + 1] === undefined) throw new Error(`${name} is required`);
    return argv[i + 1];
  };
  const [{ loadConfig }, { Daemon }, { createLogger }] = await Promise.all([
    import('../dist/config/load.js'),
    import('../dist/ingest/daemon.js'),
    import('../dist/observability/logger.js'),
  ]);
  const config = loadConfig(arg('--config'), process.env);
  const daemon = new Daemon(config, createLogger(config.log), { parserThreads: Number(arg('--threads')) });
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    daemon.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await daemon.start();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runWithThreads(process.argv.slice(2));
}
