import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

import type { EmailPayload } from '../message/types.js';

export interface QueueListing {
  readonly queue: string;
  readonly jobs: { readonly id: string; readonly data: EmailPayload }[];
}

/** Every queue the daemon recorded in `<statePrefix>:queues`, with its jobs (for the demo). */
export async function readQueues(
  redisUrl: string,
  prefix: string,
  statePrefix: string,
): Promise<QueueListing[]> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    const names = (await connection.smembers(`${statePrefix}:queues`)).sort();
    const out: QueueListing[] = [];
    for (const name of names) {
      const queue = new Queue<EmailPayload>(name, { connection, prefix });
      try {
        const jobs = await queue.getJobs([
          'waiting',
          'active',
          'completed',
          'failed',
          'delayed',
          'prioritized',
        ]);
        out.push({
          queue: name,
          jobs: jobs
            .map((j) => ({ id: j.id ?? '', data: j.data }))
            .sort((a, b) => a.data.subject.localeCompare(b.data.subject)),
        });
      } finally {
        await queue.close();
      }
    }
    return out;
  } finally {
    connection.disconnect();
  }
}
