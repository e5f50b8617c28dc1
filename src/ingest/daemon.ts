import { hostname } from 'node:os';

import type { Cluster, Redis } from 'ioredis';

import type { CompiledConfig } from '../config/types.js';
import { toError } from '../errors.js';
import { HealthServer } from '../observability/health-server.js';
import type { Readiness } from '../observability/health-server.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { createSender, sendingSetup } from '../outbound/identity.js';
import { renderQueueName } from '../queue/names.js';
import { OutboundWorker } from '../queue/outbound-worker.js';
import { TenantLease, replicaId } from '../queue/lease.js';
import { JobProducer } from '../queue/producer.js';
import { createRedisConnection } from '../queue/redis.js';
import type { MessageProcessor } from './processor.js';
import { createProcessor } from './processor.js';
import type { TenantWorkerOptions } from './tenant-worker.js';
import { DEFAULT_WORKER_OPTIONS, TenantWorker } from './tenant-worker.js';

function waitForReady(redis: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    redis.once('ready', done);
  });
}

export interface DaemonOptions {
  /** Parser threads; 0 parses in the main thread. Default: one per core. */
  readonly parserThreads?: number;
  readonly worker?: Partial<TenantWorkerOptions>;
  /** How long stop() waits for in-flight batches before dropping connections. */
  readonly stopTimeoutMs?: number;
}

/**
 * `mail-ingest run`: one worker per tenant mailbox, one shared Redis producer connection, a
 * parser pool and the health server. start() / stop() are the whole lifecycle; stop() is
 * idempotent and runs every teardown step even when one fails (STYLE 5).
 */
export class Daemon {
  readonly metrics = new Metrics();
  readonly workers: TenantWorker[] = [];
  readonly outbound: OutboundWorker[] = [];
  #redis: Redis | Cluster | null = null;
  #producer: JobProducer | null = null;
  #processor: MessageProcessor | null = null;
  #health: HealthServer | null = null;
  #stopping: Promise<void> | null = null;
  #healthAddress: { host: string; port: number } | null = null;

  constructor(
    private readonly config: CompiledConfig,
    private readonly log: Logger,
    private readonly options: DaemonOptions = {},
  ) {}

  get healthAddress(): { host: string; port: number } | null {
    return this.#healthAddress;
  }

  async start(): Promise<void> {
    const redis = createRedisConnection(this.config.redis.url, {
      connectionName: 'mail-ingest:producer',
      profile: 'producer',
    });
    this.#redis = redis;
    redis.on('error', (err: Error) => this.log.debug({ err }, 'redis connection error'));
    redis.on('ready', () => this.log.info('redis connected'));
    redis.on('close', () => {
      if (this.#stopping === null) this.log.warn('redis connection closed');
    });
    this.#producer = new JobProducer(
      redis,
      {
        prefix: this.config.redis.prefix,
        statePrefix: this.config.redis.statePrefix,
        templates: this.config.queues,
      },
      this.log.child({ component: 'producer' }),
    );
    this.#processor = createProcessor(this.options.parserThreads);

    const workerOptions = { ...DEFAULT_WORKER_OPTIONS, ...this.options.worker };
    const replica = replicaId(hostname(), process.pid);
    for (const tenant of this.config.tenants) {
      if (!tenant.imap || !tenant.assistant) continue;
      const log = this.log.child({ tenant: tenant.id });
      const leaseKey = `${this.config.redis.statePrefix}:lease:${tenant.id}`;
      const lease = new TenantLease(redis, leaseKey, replica, this.config.redis.leaseTtlMs);
      this.workers.push(
        new TenantWorker(tenant, this.#producer, this.#processor, log, this.metrics, workerOptions, lease),
      );
    }
    for (const tenant of this.config.tenants) {
      const setup = sendingSetup(tenant, this.config.sender);
      if (!setup) continue;
      const queue = renderQueueName(this.config.queues.outbound, { tenant: tenant.id });
      const log = this.log.child({ tenant: tenant.id, component: 'outbound' });
      this.outbound.push(
        new OutboundWorker(
          queue,
          this.config.redis.url,
          this.config.redis.prefix,
          createSender(setup.transport),
          setup.identity,
          log,
        ),
      );
    }
    if (this.config.http) {
      this.#health = new HealthServer(
        this.config.http,
        this.metrics,
        () => this.readiness(),
        this.log.child({ component: 'http' }),
      );
      this.#healthAddress = await this.#health.start();
    }
    // A moment for Redis to connect, so the first lease and cycle don't start with an outage
    // that isn't one; a Redis that is really down is waited for by each worker.
    await waitForReady(redis, 5_000);
    for (const worker of this.workers) worker.start();
    for (const worker of this.outbound) worker.start();
    this.log.info(
      { tenants: this.workers.map((w) => w.tenant.id), http: this.#healthAddress },
      'mail-ingest started',
    );
  }

  /** SPEC §6: Redis reachable, and every tenant's last cycle recent or in back-off with a reason. */
  readiness(now = Date.now()): Readiness {
    const redisReady = this.#redis?.status === 'ready';
    const tenants: Record<string, unknown> = {};
    let ready = redisReady;
    for (const w of this.workers) {
      const staleAfter = Math.max(3 * w.tenant.poll.intervalMs, 60_000);
      const recent = w.lastCycleAt !== null && now - w.lastCycleAt <= staleAfter;
      const explained = (w.state === 'backoff' || w.state === 'standby') && w.lastError !== null;
      const ok = recent || explained;
      if (!ok) ready = false;
      tenants[w.tenant.id] = {
        state: w.state,
        lastCycleAt: w.lastCycleAt ? new Date(w.lastCycleAt).toISOString() : null,
        lastError: w.lastError,
        ok,
      };
    }
    return { ready, details: { redis: redisReady ? 'ready' : (this.#redis?.status ?? 'none'), tenants } };
  }

  /** Stops fetching, lets in-flight batches finish, logs out, closes Redis. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** After a second signal or the stop timeout: drop every connection now. */
  abort(): void {
    for (const w of this.workers) w.abort();
    this.#redis?.disconnect();
  }

  async #stop(): Promise<void> {
    const failures: Error[] = [];
    const step = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        failures.push(new Error(`${name}: ${toError(err).message}`, { cause: err }));
      }
    };
    const timeoutMs = this.options.stopTimeoutMs ?? 30_000;
    await step('tenants', async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
        timer.unref();
      });
      const result = await Promise.race([Promise.all(this.workers.map((w) => w.stop())), timeout]);
      clearTimeout(timer);
      if (result === 'timeout') {
        this.log.warn({ timeoutMs }, 'in-flight work did not finish in time; dropping connections');
        for (const w of this.workers) w.abort();
        await Promise.all(this.workers.map((w) => w.stop()));
      }
    });
    await step('outbound', async () => Promise.all(this.outbound.map((w) => w.stop())));
    await step('http', async () => this.#health?.stop());
    await step('producer', async () => this.#producer?.close());
    await step('redis', async () => {
      if (this.#redis && this.#redis.status !== 'end')
        await this.#redis.quit().catch(() => this.#redis?.disconnect());
    });
    await step('parsers', async () => this.#processor?.close());
    this.log.info('mail-ingest stopped');
    if (failures.length > 0) throw new AggregateError(failures, 'shutdown had failures');
  }
}
