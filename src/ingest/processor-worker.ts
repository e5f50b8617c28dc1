import { parentPort } from 'node:worker_threads';

import { toError } from '../errors.js';
import type { ProcessedMessage } from '../message/pipeline.js';
import { processMessage, processMessageStream } from '../message/pipeline.js';
import { ChunkQueue } from './chunk-queue.js';
import type { FromWorker, ToWorker } from './processor.js';
import { forQueue, movableBuffer } from './processor.js';
import { warmUp } from './warm-up.js';

/**
 * Worker-thread side of WorkerPoolProcessor: one pipeline run per task, whole (`process`) or
 * streamed (`open`, `chunk`..., `end`). The serialized payloads are moved back, not copied.
 */
const port = parentPort;
if (port) {
  const streams = new Map<number, ChunkQueue>();

  const reply = (id: number, run: Promise<ProcessedMessage>): void => {
    run.then(
      (processed) => {
        const result = forQueue(processed);
        const transfer = result.jobs.map((j) => movableBuffer(j.json)).filter((b) => b !== null);
        port.postMessage({ kind: 'done', id, ok: true, result } satisfies FromWorker, [...new Set(transfer)]);
      },
      (err: unknown) =>
        port.postMessage({ kind: 'done', id, ok: false, error: toError(err).message } satisfies FromWorker),
    );
  };

  // Tasks that arrive meanwhile wait in the port's queue; a warm-up failure changes nothing.
  warmUp().catch(() => undefined);
  port.on('message', (message: ToWorker) => {
    switch (message.kind) {
      case 'process': {
        const raw = Buffer.from(message.raw.buffer, message.raw.byteOffset, message.raw.byteLength);
        reply(message.id, processMessage(raw, message.source, message.tenant));
        return;
      }
      case 'open': {
        const { id } = message;
        const queue = new ChunkQueue(() => port.postMessage({ kind: 'taken', id } satisfies FromWorker));
        streams.set(id, queue);
        const run = processMessageStream(queue, message.source, message.tenant);
        run.then(
          () => streams.delete(id),
          () => streams.delete(id),
        );
        reply(id, run);
        return;
      }
      case 'chunk':
        streams.get(message.id)?.push(message.bytes);
        return;
      case 'end':
        streams.get(message.id)?.end();
        return;
      case 'abort':
        streams.get(message.id)?.fail(new Error('download aborted'));
        return;
    }
  });
}
