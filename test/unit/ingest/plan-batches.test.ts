import { describe, expect, it } from 'vitest';

import { planBatches } from '../../../src/ingest/tenant-worker.js';

const meta = (uid: number, size: number): { uid: number; size: number; internalDate: string } => ({
  uid,
  size,
  internalDate: '2026-12-04T00:00:00.000Z',
});

describe('planBatches', () => {
  const limits = { batchSize: 3, batchBytes: 1_000, streamAboveBytes: 8_000 };

  it('cuts batches by count and by bytes', () => {
    const batches = planBatches(
      [meta(1, 100), meta(2, 100), meta(3, 100), meta(4, 600), meta(5, 600)],
      10_000,
      limits,
    );
    expect(batches.map((b) => b.download.map((m) => m.uid))).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('gives a message larger than batchBytes a batch of its own', () => {
    const batches = planBatches([meta(1, 100), meta(2, 5_000), meta(3, 100)], 10_000, limits);
    expect(batches.map((b) => b.download.map((m) => m.uid))).toEqual([[1], [2], [3]]);
  });

  it('never downloads an oversized message and still accounts for it', () => {
    const batches = planBatches([meta(1, 100), meta(2, 20_000)], 10_000, limits);
    expect(batches).toEqual([{ download: [meta(1, 100)], oversized: [meta(2, 20_000)], streamed: false }]);
    expect(planBatches([meta(7, 20_000)], 10_000, limits)).toEqual([
      { download: [], oversized: [meta(7, 20_000)], streamed: false },
    ]);
  });

  it('streams a message over streamAboveBytes in a batch of its own, in UID order', () => {
    const batches = planBatches(
      [meta(1, 100), meta(2, 9_000), meta(3, 100), meta(4, 30_000)],
      10_000,
      limits,
    );
    expect(batches.map((b) => [b.download.map((m) => m.uid), b.streamed])).toEqual([
      [[1], false],
      [[2], true],
      [[3], false],
    ]);
    expect(batches[0]?.oversized).toEqual([meta(4, 30_000)]);
  });

  it('plans nothing for an empty mailbox', () => {
    expect(planBatches([], 10_000, limits)).toEqual([]);
  });
});
