import type { ImapConfig, TenantConfig } from '../config/types.js';
import { toError } from '../errors.js';
import { ImapError, toImapError } from '../imap/errors.js';
import type { MessageMeta, SessionTimeouts } from '../imap/session.js';
import { DEFAULT_TIMEOUTS, ImapSession } from '../imap/session.js';
import type { PipelineTenant, ProcessedMessage } from '../message/pipeline.js';
import type { ProcessedForQueue } from './processor.js';
import { forQueue } from './processor.js';
import { deadLetterMessage, oversizedMessage } from '../message/pipeline.js';
import type { MessageSource } from '../message/types.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { QueueWriteError } from '../queue/errors.js';
import type { LeaseState, TenantLease } from '../queue/lease.js';
import type { JobProducer } from '../queue/producer.js';
import type { BackoffPolicy } from './backoff.js';
import { Backoff, DEFAULT_BACKOFF } from './backoff.js';
import type { MessageProcessor } from './processor.js';

/**
 * Lifecycle of one tenant's mailbox worker:
 *
 *   idle -> [standby ->] connecting -> ready <-> (cycle) ; ready -> backoff -> [standby ->] connecting
 *   any -> stopping -> stopped
 *
 * `standby`: another replica holds this tenant's lease (SPEC §6); the worker waits to take it
 * over. `ready` means logged in with the folder open, waiting in IDLE (or for the poll timer) between
 * cycles. Every failure of the connection leads to `backoff` and then a brand-new client
 * (imapflow never reconnects by itself).
 */
export type TenantState = 'idle' | 'standby' | 'connecting' | 'ready' | 'backoff' | 'stopping' | 'stopped';
export const TENANT_STATES: readonly TenantState[] = [
  'idle',
  'standby',
  'connecting',
  'ready',
  'backoff',
  'stopping',
  'stopped',
];

const TRANSITIONS: Readonly<Record<TenantState, readonly TenantState[]>> = {
  idle: ['standby', 'connecting', 'stopping', 'stopped'],
  standby: ['connecting', 'stopping'],
  connecting: ['ready', 'backoff', 'stopping'],
  ready: ['backoff', 'stopping'],
  backoff: ['standby', 'connecting', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export interface TenantWorkerOptions {
  /** Messages per download batch. */
  readonly batchSize: number;
  /** Bytes per download batch (RFC822.SIZE); a larger single message gets a batch of its own. */
  readonly batchBytes: number;
  /** Batches downloaded, parsing or committing at once. */
  readonly pipelineDepth: number;
  /**
   * Messages larger than this are not downloaded whole but streamed into the parser in chunks of
   * `streamChunkBytes`, so a 50 MB message costs a few MB of memory, not several times its size.
   */
  readonly streamAboveBytes: number;
  readonly streamChunkBytes: number;
  /** Redis away: how often to look whether it is back. */
  readonly redisRetryMs: number;
  readonly backoff: BackoffPolicy;
  readonly timeouts: SessionTimeouts;
}

export const DEFAULT_WORKER_OPTIONS: TenantWorkerOptions = {
  batchSize: 50,
  batchBytes: 32 * 1024 * 1024,
  pipelineDepth: 3,
  streamAboveBytes: 4 * 1024 * 1024,
  streamChunkBytes: 1024 * 1024,
  redisRetryMs: 1_000,
  backoff: DEFAULT_BACKOFF,
  timeouts: DEFAULT_TIMEOUTS,
};

interface ProcessedUid {
  readonly uid: number;
  readonly result: ProcessedForQueue;
}

/** A downloaded batch: when the download ended, and its processing (maybe still running). */
interface Fetched {
  readonly at: number;
  readonly processed: Promise<ProcessedUid[]>;
}

export class TenantWorker {
  #state: TenantState = 'idle';
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #cycleWanted = true;
  #session: ImapSession | null = null;
  readonly #backoff: Backoff;
  readonly #imap: ImapConfig;
  readonly #pipelineTenant: PipelineTenant;

  /** When the last cycle completed or batch was committed (ms since epoch), and the last problem, for /readyz. */
  lastCycleAt: number | null = null;
  lastError: string | null = null;
  /** Messages recorded and marked \Seen since start. */
  processedMessages = 0;

  constructor(
    readonly tenant: TenantConfig,
    private readonly producer: JobProducer,
    private readonly processor: MessageProcessor,
    private readonly log: Logger,
    private readonly metrics: Metrics | null = null,
    private readonly options: TenantWorkerOptions = DEFAULT_WORKER_OPTIONS,
    private readonly lease: TenantLease | null = null,
  ) {
    if (!tenant.imap || !tenant.assistant) throw new Error(`tenant ${tenant.id} has no mailbox to watch`);
    this.#imap = tenant.imap;
    this.#pipelineTenant = {
      id: tenant.id,
      assistant: tenant.assistant,
      routing: tenant.routing,
      limits: tenant.limits,
    };
    this.#backoff = new Backoff(options.backoff);
    this.metrics?.setState(tenant.id, 'idle', TENANT_STATES);
  }

  get state(): TenantState {
    return this.#state;
  }

  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run().catch((err: unknown) => {
      // The loop catches everything itself; reaching this is a bug, and the tenant stops.
      this.log.error({ err: toError(err) }, 'tenant worker crashed');
      this.#setState('stopping');
      this.#setState('stopped');
    });
  }

  /** Stops fetching, lets the batch in flight finish (enqueue + \Seen), logs out. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      if (this.#state === 'idle') this.#setState('stopped');
      this.#wakeUp();
    }
    await this.#loop;
  }

  /** Hard stop after a timeout or a second signal: drops the connection at once. */
  abort(): void {
    this.#stopping = true;
    this.#session?.close();
    this.#wakeUp();
  }

  #setState(next: TenantState): void {
    if (next === this.#state) return;
    if (!TRANSITIONS[this.#state].includes(next)) {
      throw new Error(`tenant ${this.tenant.id}: illegal state change ${this.#state} -> ${next}`);
    }
    this.log.info({ from: this.#state, to: next }, 'tenant state');
    this.#state = next;
    this.metrics?.setState(this.tenant.id, next, TENANT_STATES);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits for a wake-up (new mail, closed connection, stop) or the timeout. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      timer.unref();
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Waits in `standby` until this replica holds the tenant's lease; false if stopped first. */
  async #holdLease(): Promise<boolean> {
    const lease = this.lease;
    if (!lease) return true;
    let last: LeaseState | null = null;
    while (!this.#stopping) {
      const state = await lease.acquire();
      if (state === 'held') {
        if (last !== null) this.log.info('lease acquired: taking over the mailbox');
        return true;
      }
      this.#setState('standby');
      if (state !== last) {
        this.log.info(
          { reason: state },
          state === 'taken'
            ? 'another replica works this mailbox: standing by'
            : 'redis unavailable: waiting for the lease',
        );
      }
      last = state;
      this.lastError = state === 'taken' ? 'standby: another replica holds the lease' : 'redis unavailable';
      await this.#sleep(lease.renewEveryMs);
    }
    return false;
  }

  /** Renews the lease while a session runs; a lease taken by another replica ends the session. */
  #keepLease(session: ImapSession): () => void {
    const lease = this.lease;
    if (!lease) return () => undefined;
    const timer = setInterval(() => {
      lease.acquire().then(
        (state) => {
          if (state !== 'taken') return;
          this.log.warn('lease lost to another replica: letting go of the mailbox');
          session.close();
          this.#wakeUp();
        },
        () => undefined,
      );
    }, lease.renewEveryMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      if (!(await this.#holdLease())) break;
      this.#setState('connecting');
      let retryAfterMs: number | null = null;
      try {
        const session = await ImapSession.open(
          this.#imap,
          this.log,
          {
            onExists: () => {
              this.#cycleWanted = true;
              this.#wakeUp();
            },
            onClose: () => this.#wakeUp(),
          },
          this.options.timeouts,
        );
        this.#session = session;
        if (this.#stopping) break;
        this.#backoff.connected(Date.now());
        this.#setState('ready');
        this.log.info(
          {
            host: this.#imap.host,
            folder: this.#imap.folder,
            uidValidity: session.uidValidity,
            idle: session.supportsIdle,
          },
          'imap connected',
        );
        const stopRenewing = this.#keepLease(session);
        try {
          await this.#serve(session);
        } finally {
          stopRenewing();
        }
      } catch (err) {
        const e = toImapError(err, 'imap');
        retryAfterMs = e.retryAfterMs;
        this.lastError = e.message;
        this.log.warn({ err: e, kind: e.kind, serverText: e.serverText }, 'imap connection failed');
      } finally {
        const session = this.#session;
        this.#session = null;
        if (session) {
          if (this.#stopping) await session.logout();
          else session.close();
        }
      }
      if (this.#stopping) break;
      const delay = this.#backoff.failed(Date.now(), retryAfterMs);
      this.#setState('backoff');
      this.log.info({ delayMs: delay, attempt: this.#backoff.attempt }, 'reconnecting after back-off');
      await this.#sleep(delay);
    }
    this.#setState('stopping');
    await this.lease?.release();
    this.#setState('stopped');
  }

  /** Cycles on the open session until it closes (throws) or the worker stops (returns). */
  async #serve(session: ImapSession): Promise<void> {
    this.#cycleWanted = true;
    let redisDown = false;
    while (!this.#stopping) {
      if (!session.usable) throw new ImapError('closed', 'connection closed', null, null);
      if (this.#cycleWanted) {
        if (!this.producer.ready) {
          if (!redisDown) this.log.warn('redis unavailable: not fetching, marking nothing, until it is back');
          redisDown = true;
          this.lastError = 'redis unavailable';
          await this.#sleep(this.options.redisRetryMs);
          continue;
        }
        if (redisDown) this.log.info('redis is back: resuming');
        redisDown = false;
        this.#cycleWanted = false;
        try {
          await this.#cycle(session);
        } catch (err) {
          if (!(err instanceof QueueWriteError)) throw err;
          // Nothing of the failed batch was marked; it is fetched again once Redis answers.
          this.metrics?.queueAddErrors.inc({ tenant: this.tenant.id });
          this.lastError = err.message;
          this.log.warn({ err }, 'recording jobs failed: nothing marked read, retrying');
          this.#cycleWanted = true;
          await this.#sleep(this.options.redisRetryMs);
        }
        continue;
      }
      const idle = this.tenant.poll.idle && session.supportsIdle;
      if (idle) session.idle();
      // poll.interval is the polling period without IDLE and the safety re-scan with it.
      await this.#sleep(this.tenant.poll.intervalMs);
      // Woken by EXISTS (cycleWanted already set), by the timer (poll / safety re-scan), by a
      // closed connection (checked at the top) or by stop().
      if (!this.#stopping) this.#cycleWanted = true;
    }
  }

  async #cycle(session: ImapSession): Promise<void> {
    const started = Date.now();
    const endTimer = this.metrics?.cycleSeconds.startTimer({ tenant: this.tenant.id });
    const uids = await session.searchUnseen();
    const batches = planBatches(
      await this.#sizes(session, uids),
      this.tenant.limits.maxMessageBytes,
      this.options,
    );

    // Three stages overlap: downloading a batch (IMAP), parsing the batches before it (worker
    // threads), and recording + marking the oldest (Redis, then IMAP). Commits run in order, one
    // after another; at most `pipelineDepth` batches are held in memory.
    let chain: Promise<void> = Promise.resolve();
    const outstanding: Promise<void>[] = [];
    for (const batch of batches) {
      if (this.#stopping) break;
      while (outstanding.length >= this.options.pipelineDepth) await outstanding.shift();
      const fetched = batch.streamed ? await this.#stream(session, batch) : await this.#fetch(session, batch);
      chain = chain.then(async () => this.#commit(session, fetched.at, await fetched.processed));
      const committed = chain;
      // Awaited through `outstanding` or `chain` below; never an unhandled rejection.
      committed.catch(() => undefined);
      outstanding.push(committed);
    }
    await chain;

    this.lastCycleAt = Date.now();
    this.lastError = null;
    this.metrics?.lastSuccess.set({ tenant: this.tenant.id }, Math.floor(this.lastCycleAt / 1000));
    endTimer?.();
    if (uids.length > 0) this.log.debug({ messages: uids.length, ms: Date.now() - started }, 'cycle done');
  }

  /** RFC822.SIZE of every message, in chunks, before anything is downloaded. */
  async #sizes(session: ImapSession, uids: readonly number[]): Promise<MessageMeta[]> {
    const out: MessageMeta[] = [];
    for (let i = 0; i < uids.length; i += 1000)
      out.push(...(await session.fetchMeta(uids.slice(i, i + 1000))));
    return out;
  }

  async #fetch(session: ImapSession, batch: Batch): Promise<Fetched> {
    const endTimer = this.metrics?.fetchSeconds.startTimer({ tenant: this.tenant.id });
    const messages = await session.fetchSources(batch.download.map((m) => m.uid));
    endTimer?.();
    // The pipeline starts on every message of the batch at once (the pool spreads them).
    const oversized = this.#oversized(session, batch);
    const parsed = Promise.all(
      messages.map(async (m) => {
        const source = this.#source(session, m, m.source.length);
        return {
          uid: m.uid,
          result: await this.processor
            .process(m.source, source, this.#pipelineTenant)
            // A message that crashes the parser itself is dead-lettered like an unparseable one.
            .catch((err: unknown) => forQueue(crashedMessage(source, this.#pipelineTenant, err))),
        };
      }),
    );
    return { at: Date.now(), processed: parsed.then((list) => [...oversized, ...list]) };
  }

  /** A batch of one large message: downloaded in chunks straight into the parser. */
  async #stream(session: ImapSession, batch: Batch): Promise<Fetched> {
    const endTimer = this.metrics?.fetchSeconds.startTimer({ tenant: this.tenant.id });
    const out = this.#oversized(session, batch);
    for (const m of batch.download) {
      const chunks = await session.openSource(m.uid, this.options.streamChunkBytes);
      if (chunks === null) continue; // expunged meanwhile
      const source = this.#source(session, m, m.size);
      const result = await this.processor
        .processStream(chunks, source, this.#pipelineTenant)
        .catch((err: unknown) => {
          // A broken download is the connection's problem (the message is fetched again later);
          // anything else is the parser's, and the message is dead-lettered.
          if (err instanceof ImapError) throw err;
          return forQueue(crashedMessage(source, this.#pipelineTenant, err));
        });
      out.push({ uid: m.uid, result });
    }
    endTimer?.();
    return { at: Date.now(), processed: Promise.resolve(out) };
  }

  /** Dead-letter results for the batch's oversized messages, which are never downloaded. */
  #oversized(session: ImapSession, batch: Batch): ProcessedUid[] {
    return batch.oversized.map((m) => ({
      uid: m.uid,
      result: forQueue(oversizedMessage(this.#source(session, m, m.size), this.#pipelineTenant)),
    }));
  }

  #source(session: ImapSession, m: MessageMeta, size: number): MessageSource {
    return {
      user: this.#imap.user,
      folder: this.#imap.folder,
      uidValidity: session.uidValidity,
      uid: m.uid,
      size,
      internalDate: m.internalDate,
    };
  }

  async #commit(session: ImapSession, fetchedAt: number, processed: ProcessedUid[]): Promise<void> {
    if (processed.length === 0) return;
    await this.producer.record(
      this.tenant.id,
      processed.map((p) => p.result),
    );
    // Only now that every job of the batch is in Redis: \Seen, for the whole batch at once.
    await session.markSeen(processed.map((p) => p.uid));
    const ms = Date.now() - fetchedAt;
    this.processedMessages += processed.length;
    // A long first drain is progress too: /readyz must not call a busy tenant stale.
    this.lastCycleAt = Date.now();
    for (const { uid, result } of processed) {
      this.metrics?.messages.inc({ tenant: this.tenant.id, outcome: result.outcome });
      const invites = result.invites;
      if (invites > 0) this.metrics?.invites.inc({ tenant: this.tenant.id }, invites);
      this.log.info(
        {
          uid,
          messageId: result.messageId,
          workspace: result.jobs.filter((j) => j.workspace !== null).map((j) => j.workspace),
          outcome: result.outcome,
          reason: result.reason ?? undefined,
          autoSubmitted: result.autoSubmitted ?? undefined,
          invites: invites || undefined,
          warnings: result.warnings.length || undefined,
          ms,
        },
        'message processed',
      );
    }
  }
}

interface Batch {
  readonly download: MessageMeta[];
  readonly oversized: MessageMeta[];
  /** One message, too large to download whole: streamed into the parser. */
  readonly streamed: boolean;
}

export interface BatchLimits {
  readonly batchSize: number;
  readonly batchBytes: number;
  readonly streamAboveBytes: number;
}

/**
 * Groups messages into download batches of at most `batchSize` messages and `batchBytes` bytes
 * (a single larger message gets a batch of its own); a message over `streamAboveBytes` gets a
 * streamed batch of its own. Oversized messages are never downloaded: they ride along with the
 * first batch, or form one of their own.
 */
export function planBatches(
  metas: readonly MessageMeta[],
  maxMessageBytes: number,
  limits: BatchLimits,
): Batch[] {
  const oversized = metas.filter((m) => m.size > maxMessageBytes);
  const batches: Batch[] = [];
  let current: MessageMeta[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (current.length > 0) batches.push({ download: current, oversized: [], streamed: false });
    current = [];
    bytes = 0;
  };
  for (const m of metas) {
    if (m.size > maxMessageBytes) continue;
    if (m.size > limits.streamAboveBytes) {
      flush();
      batches.push({ download: [m], oversized: [], streamed: true });
      continue;
    }
    if (current.length >= limits.batchSize || bytes + m.size > limits.batchBytes) flush();
    current.push(m);
    bytes += m.size;
  }
  flush();
  if (oversized.length > 0) {
    const first = batches[0];
    if (first) batches[0] = { ...first, oversized };
    else batches.push({ download: [], oversized, streamed: false });
  }
  return batches;
}

/** A message that crashes the parser itself is dead-lettered like an unparseable one. */
function crashedMessage(source: MessageSource, tenant: PipelineTenant, err: unknown): ProcessedMessage {
  return deadLetterMessage(source, tenant, `parser failed: ${toError(err).message}`);
}
