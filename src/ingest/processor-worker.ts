import { parentPort } from 'node:worker_threads';

import { toError } from '../errors.js';
import { processMessage } from '../message/pipeline.js';
import type { ProcessReply, ProcessTask } from './processor.js';
import { forQueue } from './processor.js';
import { warmUp } from './warm-up.js';

/**
 * Worker-thread side of WorkerPoolProcessor: one pipeline run per task; the serialized payloads
 * are transferred back (moved, not copied).
 */
const port = parentPort;
if (port) {
  // Tasks that arrive meanwhile wait in the port's queue; a warm-up failure changes nothing.
  warmUp().catch(() => undefined);
  port.on('message', (task: ProcessTask) => {
    const raw = Buffer.from(task.raw.buffer, task.raw.byteOffset, task.raw.byteLength);
    processMessage(raw, task.source, task.tenant).then(
      (processed) => {
        const result = forQueue(processed);
        const transfer = result.jobs
          .map((j) => j.json.buffer)
          .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
        port.postMessage({ id: task.id, ok: true, result } satisfies ProcessReply, [...new Set(transfer)]);
      },
      (err: unknown) =>
        port.postMessage({ id: task.id, ok: false, error: toError(err).message } satisfies ProcessReply),
    );
  });
}
