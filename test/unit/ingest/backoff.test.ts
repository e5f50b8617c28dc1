import { describe, expect, it } from 'vitest';

import { Backoff, backoffDelay } from '../../../src/ingest/backoff.js';

const policy = { baseMs: 1_000, capMs: 60_000, healthyAfterMs: 30_000 };

describe('backoffDelay', () => {
  it('doubles per attempt, jittered within the upper half', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(500);
    expect(backoffDelay(0, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(3, policy, () => 0)).toBe(4_000);
    expect(backoffDelay(3, policy, () => 1)).toBe(8_000);
  });

  it('never exceeds the cap, however many attempts', () => {
    for (const attempt of [10, 50, 1_000]) expect(backoffDelay(attempt, policy, () => 1)).toBe(60_000);
  });
});

describe('Backoff', () => {
  it('keeps growing while connections fail quickly', () => {
    const b = new Backoff(policy, () => 1);
    expect(b.failed(0)).toBe(1_000);
    b.connected(1_000);
    expect(b.failed(2_000)).toBe(2_000); // healthy for 1 s only: no reset
    expect(b.failed(3_000)).toBe(4_000);
  });

  it('resets only after a connection stayed healthy long enough', () => {
    const b = new Backoff(policy, () => 1);
    b.failed(0);
    b.failed(0);
    b.connected(10_000);
    expect(b.failed(10_000 + 30_000)).toBe(1_000);
  });

  it("honours a server's longer throttle reset time", () => {
    const b = new Backoff(policy, () => 0);
    expect(b.failed(0, 45_000)).toBe(45_000);
    expect(b.failed(0, 10)).toBe(1_000);
  });
});
