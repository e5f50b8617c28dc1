import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';

import { toError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { toSendError } from '../outbound/errors.js';
import type { SenderIdentity } from '../outbound/job.js';
import { buildOutgoingMessage } from '../outbound/job.js';
import type { MailSender } from '../outbound/sender.js';
import { createRedisConnection } from './redis.js';

export interface OutboundResult {
  readonly messageId: string;
  readonly replyCode: number | null;
}

/**
 * Consumes one tenant's outbound queue and sends each job (any job name) as the assistant.
 * Permanent failures (bad job, header injection, SMTP 5xx, SendGrid 4xx but 429) fail the job
 * for good (BullMQ UnrecoverableError: no retry); the rest throw and are retried per the job's
 * attempts/backoff.
 */
export class OutboundWorker {
  #worker: Worker | null = null;
  #connection: Redis | Cluster | null = null;

  constructor(
    private readonly queueName: string,
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly sender: MailSender,
    private readonly identity: SenderIdentity,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.#worker) return;
    // Workers block on Redis: their connection must retry forever (STYLE 8).
    this.#connection = createRedisConnection(this.redisUrl, {
      connectionName: 'mail-ingest:outbound',
      profile: 'worker',
    });
    this.#connection.on('error', (err: Error) => this.log.debug({ err }, 'outbound redis connection error'));
    this.#worker = new Worker(this.queueName, (job) => this.process(job), {
      connection: this.#connection,
      prefix: this.prefix,
      concurrency: 4,
    });
    this.#worker.on('error', (err: Error) => this.log.warn({ err }, 'outbound worker error'));
  }

  async process(job: Job): Promise<OutboundResult> {
    const base = { jobId: job.id, transport: this.sender.transport, attempt: job.attemptsMade + 1 };
    try {
      const message = buildOutgoingMessage(job.data, this.identity);
      const result = await this.sender.send(message);
      this.log.info(
        {
          ...base,
          replyCode: result.replyCode,
          messageId: result.messageId,
          recipients: message.to.length + message.cc.length + message.bcc.length,
        },
        'mail sent',
      );
      return { messageId: result.messageId, replyCode: result.replyCode };
    } catch (err) {
      const e = toSendError(err);
      this.log.warn(
        { ...base, replyCode: e.replyCode, kind: e.kind, permanent: e.permanent, error: e.message },
        'mail not sent',
      );
      if (e.permanent) throw new UnrecoverableError(e.message);
      throw new Error(e.message);
    }
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    const failures: Error[] = [];
    await worker?.close().catch((err: unknown) => failures.push(toError(err)));
    await this.sender.close().catch((err: unknown) => failures.push(toError(err)));
    if (this.#connection && this.#connection.status !== 'end')
      await this.#connection.quit().catch(() => this.#connection?.disconnect());
    if (failures.length > 0) throw new AggregateError(failures, 'stopping the outbound worker failed');
  }
}
