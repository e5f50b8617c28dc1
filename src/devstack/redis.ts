/**
 * A real redis-server for integration tests: configured entirely on its command line (no
 * config file, never the system instance), bound to 127.0.0.1 on an ephemeral port, its data
 * dir a fresh temp dir. RDB snapshots are off; with `appendonly` the data survives restart().
 *
 * Lifecycle: running ──restart()──▶ restarting ──▶ running | down; running | down ──stop()──▶
 * stopping ──▶ stopped (temp dir removed). stop() is idempotent.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

import { Redis } from 'ioredis';

import { freePort, LOOPBACK, startOnFreePorts } from './ports.js';
import { spawnServer } from './processes.js';
import type { ServerProcess } from './processes.js';
import { makeTempDir } from './temp-dir.js';
import type { TempDir } from './temp-dir.js';
import { sleep } from './wait-for.js';
import { ServerLifecycle } from './server-state.js';

const REDIS_BIN = '/usr/bin/redis-server';
const PORT_ATTEMPTS = 3;

export interface RedisOptions {
  /** Append-only file on, so data survives restart(); default false. */
  appendonly?: boolean;
  /** Redis `maxmemory`, e.g. "64mb"; default unlimited. */
  maxmemory?: string;
  /** How long start and restart wait for PING to answer; default 10000. */
  startTimeoutMs?: number;
}

export interface RedisServer {
  /** The server's process id, also its process group's (CPU accounting in the bench). */
  readonly pid: number;
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The data dir (AOF files). */
  readonly dir: string;
  /** Stops redis (SIGTERM: the AOF is flushed) and starts it again on the same port and dir. */
  /** `downMs`: stay down this long before starting again (outage tests). */
  restart(options?: { downMs?: number }): Promise<void>;
  /** The last lines redis logged, for failure messages. */
  logTail(lines?: number): string;
  /** Stops redis and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export class RedisStartError extends Error {
  readonly code = 'REDIS_START';
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  try {
    await access(REDIS_BIN, constants.X_OK);
  } catch (err) {
    throw new RedisStartError(`${REDIS_BIN} missing: install redis-server`, { cause: err });
  }
  const tempDir = await makeTempDir('mail-ingest-redis-');
  const dir = tempDir.path;
  try {
    return await startOnFreePorts(
      PORT_ATTEMPTS,
      async () => {
        const port = await freePort();
        return new RunningRedis(tempDir, port, await launch(dir, port, options), options);
      },
      (err) => err instanceof RedisStartError && /address already in use/i.test(err.message),
    );
  } catch (err) {
    await tempDir.remove();
    throw err;
  }
}

function redisArgs(dir: string, port: number, options: RedisOptions): string[] {
  // prettier-ignore
  const args = [
    '--port', String(port),
    '--bind', LOOPBACK,
    '--dir', dir,
    '--save', '',
    '--appendonly', options.appendonly ? 'yes' : 'no',
    '--daemonize', 'no',
    '--protected-mode', 'no',
    // Log to stdout, where processes.ts keeps the tail.
    '--logfile', '',
  ];
  if (options.maxmemory !== undefined) args.push('--maxmemory', options.maxmemory);
  return args;
}

async function launch(dir: string, port: number, options: RedisOptions): Promise<ServerProcess> {
  const proc = await spawnServer('redis', REDIS_BIN, redisArgs(dir, port, options), { cwd: dir });
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const status = proc.exitStatus();
    if (status) {
      await proc.stop();
      throw new RedisStartError(
        `redis-server exited during startup (code ${status.code}, signal ${status.signal}):\n${proc.output()}`,
      );
    }
    try {
      if ((await ping(port)) === 'PONG') return proc;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      await proc.stop({ signal: 'SIGKILL' });
      throw new RedisStartError(
        `redis-server did not answer PING within ${timeoutMs} ms:\n${proc.output()}`,
        {
          cause: lastError,
        },
      );
    }
    await sleep(25);
  }
}

async function ping(port: number): Promise<string> {
  const client = new Redis({
    host: LOOPBACK,
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // A refused connection is expected while redis starts; connect() reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.ping();
  } finally {
    client.disconnect();
  }
}

class RunningRedis implements RedisServer {
  readonly host = LOOPBACK;
  readonly url: string;
  readonly dir: string;
  private readonly lifecycle: ServerLifecycle;

  constructor(
    tempDir: TempDir,
    readonly port: number,
    proc: ServerProcess,
    options: RedisOptions,
  ) {
    this.url = `redis://${LOOPBACK}:${port}`;
    this.dir = tempDir.path;
    this.lifecycle = new ServerLifecycle(
      'redis test server',
      proc,
      () => launch(this.dir, this.port, options),
      () => tempDir.remove(),
    );
  }

  restart(options: { downMs?: number } = {}): Promise<void> {
    return this.lifecycle.restart(options.downMs);
  }

  logTail(lines = 40): string {
    return this.lifecycle.process.output().trimEnd().split('\n').slice(-lines).join('\n');
  }

  get pid(): number {
    return this.lifecycle.process.pid;
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }
}
