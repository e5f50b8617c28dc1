import { Job, Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

import type { QueueTemplates } from '../config/types.js';
import { toError } from '../errors.js';
import type { JobKind } from '../message/pipeline.js';
import type { Logger } from '../observability/logger.js';
import { QueueWriteError } from './errors.js';
import { jobIdFor } from './job-id.js';
import { queueNameFor } from './plan.js';

export const JOB_NAME = 'email';

const MARK_IF_ADDED = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[1]))
  return 1
end
return 0`;

/**
 * Defaults for consumers: a few retries with back-off, and retention limits so completed and
 * failed jobs do not grow Redis without bound (README "Job contract").
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 50_000 },
};

export interface ProducerSettings {
  readonly prefix: string;
  readonly statePrefix: string;
  readonly templates: QueueTemplates;
}

/** What the producer records of a processed message: its identity and its serialized jobs. */
export interface RecordableMessage {
  readonly identity: string;
  readonly jobs: readonly {
    readonly kind: JobKind;
    readonly workspace: string | null;
    readonly alias: string | null;
    /** The payload as JSON bytes (serialized where it was parsed). */
    readonly json: Uint8Array;
  }[];
}

interface PlannedAdd {
  readonly queue: string;
  readonly jobId: string;
  readonly marker: string;
  readonly json: Buffer;
}

/**
 * A BullMQ job whose data is already JSON bytes: handed to Redis as they are, instead of BullMQ
 * stringifying the payload and ioredis measuring the string again (most of the main thread's
 * time in the benchmark).
 */
class SerializedJob extends Job {
  constructor(
    queue: Queue,
    name: string,
    private readonly json: Buffer,
    opts: JobsOptions,
    id: string,
  ) {
    super(queue, name, null, opts, id);
  }

  override asJSON(): ReturnType<Job['asJSON']> {
    return { ...super.asJSON(), data: this.json as unknown as string };
  }
}

/**
 * Records the outcome of processed messages in Redis, in one MULTI per batch: each job, then the
 * daemon's own dedup marker (SPEC §5: BullMQ deletes its job-id keys when a job is removed, so
 * the marker outlives the job for `dedupWindow`), written only if the job is there, and the
 * queue's name in `<statePrefix>:queues`. Any error in the transaction fails the whole batch (it
 * is not marked \Seen and is retried); a marker never exists without its job.
 */
export class JobProducer {
  readonly #queues = new Map<string, Promise<Queue>>();
  #closed = false;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly settings: ProducerSettings,
    private readonly log: Logger,
  ) {}

  get queuesKey(): string {
    return `${this.settings.statePrefix}:queues`;
  }

  /** Whether Redis is connected right now; a cycle should not start without it. */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** Jobs of the given messages; resolves once all are durably in Redis (or were already). */
  async record(
    tenant: string,
    messages: readonly RecordableMessage[],
  ): Promise<{ added: number; duplicates: number }> {
    const planned = messages.flatMap((m) => this.plan(tenant, m));
    if (planned.length === 0) return { added: 0, duplicates: 0 };
    try {
      const existing = await this.redis.pipeline(planned.map((p) => ['exists', p.marker])).exec();
      const todo = planned.filter((_, i) => !(existing?.[i]?.[1] === 1));
      if (todo.length === 0) return { added: 0, duplicates: planned.length };

      const queues = await Promise.all(todo.map((p) => this.queue(p.queue)));
      // BullMQ's client wrapper (same connection) hands out transactions its job scripts can be
      // queued on; underneath it is an ioredis MULTI, which takes our own commands as well.
      const client = await (queues[0] as Queue).getBackend().client;
      const transaction = client.multi();
      const multi = transaction as unknown as ChainableCommander;
      const queued: Promise<unknown>[] = [];
      todo.forEach((p, i) => {
        const queue = queues[i] as Queue;
        const job = new SerializedJob(
          queue,
          JOB_NAME,
          p.json,
          { ...DEFAULT_JOB_OPTIONS, jobId: p.jobId },
          p.jobId,
        );
        // Queued synchronously on the transaction, the way BullMQ's own bulk add does it;
        // a synchronous failure (bad options) surfaces when awaited below, before EXEC.
        queued.push(job.addJob(transaction));
        // The marker only after, and only if, the job is really there: a Redis transaction does
        // not roll back, so a job refused inside EXEC (out of memory) must not leave a marker
        // that would make the retry skip it. A job whose marker failed is re-added harmlessly:
        // BullMQ keeps one job per id.
        multi.eval(
          MARK_IF_ADDED,
          2,
          queue.toKey(p.jobId),
          p.marker,
          String(this.settings.templates.dedupWindowMs),
        );
      });
      multi.sadd(this.queuesKey, ...new Set(todo.map((p) => p.queue)));
      const results = await multi.exec();
      await Promise.allSettled(queued);
      if (results === null) throw new QueueWriteError('Redis discarded the transaction');
      for (const [err, value] of results) {
        if (err) throw new QueueWriteError(`Redis rejected a write: ${err.message}`, { cause: err });
        if (typeof value === 'number' && value < 0)
          throw new QueueWriteError(`BullMQ refused a job (code ${value})`);
      }
      return { added: todo.length, duplicates: planned.length - todo.length };
    } catch (err) {
      const e =
        err instanceof QueueWriteError
          ? err
          : new QueueWriteError(`recording jobs failed: ${toError(err).message}`, { cause: err });
      // ioredis loads a Lua script once per socket; a load refused by a full Redis leaves the
      // socket believing it is loaded and every later EVALSHA fails with NOSCRIPT. A fresh
      // socket starts over with EVAL.
      if (e.message.includes('NOSCRIPT')) this.redis.disconnect(true);
      throw e;
    }
  }

  plan(tenant: string, message: RecordableMessage): PlannedAdd[] {
    return message.jobs.map((job) => {
      const queue = queueNameFor(this.settings.templates, tenant, job);
      const jobId = jobIdFor(tenant, queue, message.identity);
      return {
        queue,
        jobId,
        marker: `${this.settings.statePrefix}:dedup:${queue}:${jobId}`,
        json: Buffer.from(job.json.buffer, job.json.byteOffset, job.json.byteLength),
      };
    });
  }

  async #open(name: string): Promise<Queue> {
    const queue = new Queue(name, {
      connection: this.redis,
      prefix: this.settings.prefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    queue.on('error', (err: Error) => this.log.warn({ err, queue: name }, 'queue error'));
    await queue.waitUntilReady();
    return queue;
  }

  private queue(name: string): Promise<Queue> {
    if (this.#closed) return Promise.reject(new QueueWriteError('producer is closed'));
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = this.#open(name);
      this.#queues.set(name, queue);
      // A queue that failed to open (Redis away) is opened afresh next time.
      queue.catch(() => this.#queues.delete(name));
    }
    return queue;
  }

  /** Closes the queues; the shared connection is closed by its owner. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled([...this.#queues.values()].map(async (q) => (await q).close()));
    const failures = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => toError(r.reason));
    if (failures.length > 0) throw new AggregateError(failures, 'closing queues failed');
  }
}
