import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { toError } from '../errors.js';
import type { PipelineTenant, ProcessedMessage } from '../message/pipeline.js';
import { processMessage } from '../message/pipeline.js';
import type { MessageSource } from '../message/types.js';

/** Runs the message pipeline; parsing is CPU-bound, so it is spread over worker threads. */
export interface MessageProcessor {
  process(raw: Buffer, source: MessageSource, tenant: PipelineTenant): Promise<ProcessedMessage>;
  close(): Promise<void>;
}

export interface ProcessTask {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly source: MessageSource;
  readonly tenant: PipelineTenant;
}

export type ProcessReply =
  | { readonly id: number; readonly ok: true; readonly result: ProcessedMessage }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** In the calling thread: for `inspect`, tests, and when no worker script is available. */
export class InlineProcessor implements MessageProcessor {
  process(raw: Buffer, source: MessageSource, tenant: PipelineTenant): Promise<ProcessedMessage> {
    return processMessage(raw, source, tenant);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Pending {
  resolve(result: ProcessedMessage): void;
  reject(err: Error): void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

const WORKER_SCRIPT = fileURLToPath(new URL('./processor-worker.js', import.meta.url));

/**
 * A fixed pool of worker threads running the pipeline, least-loaded first. The main thread
 * stays free for IMAP and Redis I/O, so the next batch downloads while this one parses. A
 * worker that dies fails only its own in-flight messages and is replaced.
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

  process(raw: Buffer, source: MessageSource, tenant: PipelineTenant): Promise<ProcessedMessage> {
    if (this.#closed) return Promise.reject(new Error('processor pool is closed'));
    const target = this.#workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.#nextId++;
    return new Promise<ProcessedMessage>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      const task: ProcessTask = { id, raw, source, tenant };
      target.worker.postMessage(task);
    });
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_SCRIPT);
    const entry: PoolWorker = { worker, pending: new Map() };
    worker.on('message', (reply: ProcessReply) => {
      const waiting = entry.pending.get(reply.id);
      if (!waiting) return;
      entry.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(new Error(reply.error));
    });
    const fail = (err: Error): void => {
      for (const p of entry.pending.values()) p.reject(err);
      entry.pending.clear();
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
