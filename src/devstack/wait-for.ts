import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this long; default 5000. */
  timeoutMs?: number;
  /** Pause between attempts; default 25. */
  intervalMs?: number;
  /** Names the awaited condition in the timeout error. */
  description?: string;
}

export class WaitForTimeoutError extends Error {
  readonly code = 'WAIT_FOR_TIMEOUT';
}

export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/**
 * Polls `predicate` until it returns something other than false, null or undefined, and
 * resolves with that value. A predicate that throws counts as "not yet"; the last error becomes
 * the timeout error's cause. For waiting on state, never for asserting how long it took.
 */
export async function waitFor<T>(
  predicate: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  { timeoutMs = 5_000, intervalMs = 25, description = 'condition' }: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== false && value !== null && value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new WaitForTimeoutError(`timed out after ${timeoutMs} ms waiting for ${description}`, {
        cause: lastError,
      });
    }
    await delay(intervalMs);
  }
}
