import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { toError } from '../errors.js';
import type { JobKind, PipelineTenant, ProcessedMessage } from '../message/pipeline.js';
import { processMessage, processMessageStream } from '../message/pipeline.js';
import type { MessageSource } from '../message/types.js';

/**
 * A processed message ready for Redis: each job's payload already serialized to JSON bytes. The
 * serialization happens where the parsing happened (a worker thread), the bytes travel to the main
 * thread without a copy, and the producer writes them as they are — the main thread, which also
 * runs IMAP and Redis, never walks a payload.
 */
export interface QueuedJob {
  readonly kind: JobKind;
  readonly workspace: string | null;
  readonly alias: string | null;
  readonly json: Uint8Array;
}

export interface ProcessedForQueue extends Omit<ProcessedMessage, 'jobs' | 'decision'> {
  readonly jobs: readonly QueuedJob[];
  /** Invites in the payload (for metrics and the log line). */
  readonly invites: number;
}

const encoder = new TextEncoder();

export function forQueue(processed: ProcessedMessage): ProcessedForQueue {
  const { jobs, decision: _decision, ...rest } = processed;
  return {
    ...rest,
    invites: jobs[0]?.payload.invites.length ?? 0,
    // TextEncoder gives each payload an ArrayBuffer of its own (Buffer.from may use the shared
    // pool, which must never be transferred between threads).
    jobs: jobs.map((j) => ({
      kind: j.kind,
      workspace: j.workspace,
      alias: j.alias,
      json: encoder.encode(JSON.stringify(j.payload)),
    })),
  };
}

/** Runs the message pipeline; parsing is CPU-bound, so it is spread over worker threads. */
export interface MessageProcessor {
  process(raw: Buffer, source: MessageSource, tenant: PipelineTenant): Promise<ProcessedForQueue>;
  /**
   * A message too large to hold whole, handed over chunk by chunk as it is downloaded. Rejects
   * with the chunks' own error when reading them fails: the message was then not processed.
   */
  processStream(
    chunks: AsyncIterable<Buffer>,
    source: MessageSource,
    tenant: PipelineTenant,
  ): Promise<ProcessedForQueue>;
  close(): Promise<void>;
}

/** Main thread -> parser thread. A streamed message is `open`, `chunk`..., then `end` or `abort`. */
export type ToWorker =
  | {
      readonly kind: 'process';
      readonly id: number;
      readonly raw: Uint8Array;
      readonly source: MessageSource;
      readonly tenant: PipelineTenant;
    }
  | {
      readonly kind: 'open';
      readonly id: number;
      readonly source: MessageSource;
      readonly tenant: PipelineTenant;
    }
  | { readonly kind: 'chunk'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly kind: 'end' | 'abort'; readonly id: number };

/** Parser thread -> main thread: a chunk of a streamed message was taken, or a result. */
export type FromWorker =
  | { readonly kind: 'taken'; readonly id: number }
  | { readonly kind: 'done'; readonly id: number; readonly ok: true; readonly result: ProcessedForQueue }
  | { readonly kind: 'done'; readonly id: number; readonly ok: false; readonly error: string };

/** In the calling thread: for tests, and when no worker script is available. */
export class InlineProcessor implements MessageProcessor {
  async process(raw: Buffer, source: MessageSource, tenant: PipelineTenant): Promise<ProcessedForQueue> {
    return forQueue(await processMessage(raw, source, tenant));
  }

  async processStream(
    chunks: AsyncIterable<Buffer>,
    source: MessageSource,
    tenant: PipelineTenant,
  ): Promise<ProcessedForQueue> {
    return forQueue(await processMessageStream(chunks, source, tenant));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Pending {
  readonly bytes: number;
  resolve(result: ProcessedForQueue): void;
  reject(err: Error): void;
  /** A chunk of this (streamed) message was taken by the parser. */
  taken(): void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  pendingBytes: number;
}

const WORKER_SCRIPT = fileURLToPath(new URL('./processor-worker.js', import.meta.url));

/** A young generation this size keeps a parser thread's many short-lived buffers out of old space. */
const YOUNG_GENERATION_MB = 64;

/**
 * Chunks of a streamed message sent but not yet taken by the parser. With the chunk the IMAP
 * download is reading meanwhile, this bounds the raw bytes of a large message in memory.
 */
export const STREAM_WINDOW = 2;

/**
 * The buffer a Uint8Array views, when it can be moved to another thread instead of copied: only
 * when the view covers all of it (Node's small Buffers share one pooled slab, which must stay).
 */
export function movableBuffer(bytes: Uint8Array): ArrayBuffer | null {
  const buffer = bytes.buffer;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength
    ? buffer
    : null;
}

/**
 * A fixed pool of worker threads running the pipeline, least pending bytes first (message sizes
 * vary by a factor of a thousand, counts would balance badly). The main thread stays free for
 * IMAP and Redis I/O. A worker that dies fails only its own in-flight messages and is replaced.
 */
export class WorkerPoolProcessor implements MessageProcessor {
  readonly #workers: PoolWorker[] = [];
  #nextId = 1;
  #closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.#workers.push(this.#spawn());
  }

  static available(): boolean {
    return existsSync(WORKER_SCRIPT);
  }

  /** The raw bytes are moved to the worker when they can be: the caller must not read them again. */
  async process(raw: Buffer, source: MessageSource, tenant: PipelineTenant): Promise<ProcessedForQueue> {
    const { worker, id, result } = this.#begin(raw.length, () => undefined);
    const movable = movableBuffer(raw);
    worker.postMessage(
      { kind: 'process', id, raw, source, tenant } satisfies ToWorker,
      movable ? [movable] : [],
    );
    return await result;
  }

  async processStream(
    chunks: AsyncIterable<Buffer>,
    source: MessageSource,
    tenant: PipelineTenant,
  ): Promise<ProcessedForQueue> {
    let credit = STREAM_WINDOW;
    let creditReturned: (() => void) | null = null;
    const { worker, id, result } = this.#begin(source.size, () => {
      credit++;
      creditReturned?.();
    });
    // A worker that dies mid-stream settles `result`; the loop below must not wait for credit then.
    let settled = false;
    result.then(
      () => (settled = true),
      () => (settled = true),
    );
    const send = (message: ToWorker, transfer: ArrayBuffer[] = []): void =>
      worker.postMessage(message, transfer);
    send({ kind: 'open', id, source, tenant });
    try {
      for await (const chunk of chunks) {
        while (credit === 0 && !settled) {
          await Promise.race([
            new Promise<void>((resolve) => (creditReturned = resolve)),
            result.then(
              () => undefined,
              () => undefined,
            ),
          ]);
          creditReturned = null;
        }
        if (settled) break;
        credit--;
        const movable = movableBuffer(chunk);
        send({ kind: 'chunk', id, bytes: chunk }, movable ? [movable] : []);
      }
    } catch (err) {
      send({ kind: 'abort', id });
      result.catch(() => undefined);
      throw err;
    }
    send({ kind: 'end', id });
    return result;
  }

  /** Picks the worker with the fewest pending bytes and registers a task on it. */
  #begin(
    bytes: number,
    taken: () => void,
  ): { worker: Worker; id: number; result: Promise<ProcessedForQueue> } {
    if (this.#closed) throw new Error('processor pool is closed');
    const target = this.#workers.reduce((a, b) => (b.pendingBytes < a.pendingBytes ? b : a));
    const id = this.#nextId++;
    const result = new Promise<ProcessedForQueue>((resolve, reject) => {
      target.pending.set(id, { bytes, resolve, reject, taken });
      target.pendingBytes += bytes;
    });
    return { worker: target.worker, id, result };
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_SCRIPT, {
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const entry: PoolWorker = { worker, pending: new Map(), pendingBytes: 0 };
    worker.on('message', (reply: FromWorker) => {
      const waiting = entry.pending.get(reply.id);
      if (!waiting) return;
      if (reply.kind === 'taken') {
        waiting.taken();
        return;
      }
      entry.pending.delete(reply.id);
      entry.pendingBytes -= waiting.bytes;
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(new Error(reply.error));
    });
    const fail = (err: Error): void => {
      for (const p of entry.pending.values()) p.reject(err);
      entry.pending.clear();
      entry.pendingBytes = 0;
      const index = this.#workers.indexOf(entry);
      if (index >= 0 && !this.#closed) this.#workers[index] = this.#spawn();
    };
    worker.on('error', (err) => fail(toError(err)));
    worker.on('exit', (code) => {
      if (!this.#closed) fail(new Error(`parser worker exited with code ${code}`));
    });
    worker.unref();
    return entry;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#workers.map((w) => w.worker.terminate()));
  }
}

/** Worker threads when the compiled worker script is there (dist), else inline (tests on src). */
export function createProcessor(threads?: number): MessageProcessor {
  const size = threads ?? Math.max(1, availableParallelism());
  return size > 0 && WorkerPoolProcessor.available() ? new WorkerPoolProcessor(size) : new InlineProcessor();
}
