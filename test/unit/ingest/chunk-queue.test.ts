import { describe, expect, it } from 'vitest';

import { ChunkQueue } from '../../../src/ingest/chunk-queue.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function readAll(queue: ChunkQueue): Promise<string> {
  let out = '';
  for await (const chunk of queue) out += new TextDecoder().decode(chunk);
  return out;
}

describe('ChunkQueue', () => {
  it('yields chunks pushed before and after the reader started, then ends', async () => {
    const queue = new ChunkQueue();
    queue.push(bytes('a'));
    const reading = readAll(queue);
    await Promise.resolve();
    queue.push(bytes('b'));
    setTimeout(() => {
      queue.push(bytes('c'));
      queue.end();
    }, 5);
    expect(await reading).toBe('abc');
  });

  it('reports each chunk as taken when the reader gets it (the sender may send another)', async () => {
    let taken = 0;
    const queue = new ChunkQueue(() => taken++);
    queue.push(bytes('a'));
    queue.push(bytes('b'));
    expect(taken).toBe(0);
    const it = queue[Symbol.asyncIterator]();
    await it.next();
    expect(taken).toBe(1);
    await it.next();
    expect(taken).toBe(2);
  });

  it('fails the reader, dropping what was queued, and ignores anything pushed later', async () => {
    const queue = new ChunkQueue();
    queue.push(bytes('a'));
    queue.fail(new Error('download aborted'));
    queue.push(bytes('b'));
    await expect(readAll(queue)).rejects.toThrow('download aborted');
  });

  it('wakes a waiting reader on failure', async () => {
    const queue = new ChunkQueue();
    const reading = readAll(queue);
    setTimeout(() => queue.fail(new Error('gone')), 5);
    await expect(reading).rejects.toThrow('gone');
  });
});
