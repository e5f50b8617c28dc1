/**
 * Capped exponential back-off with full jitter: attempt n waits a random time in
 * [base * 2^n / 2, base * 2^n], never more than `capMs`. Pure, so the schedule is unit-tested.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** A connection that stayed healthy this long resets the attempt counter. */
  readonly healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000, healthyAfterMs: 60_000 };

export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Tracks consecutive failures of one tenant's connection. */
export class Backoff {
  #attempt = 0;
  #healthySince: number | null = null;

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  get attempt(): number {
    return this.#attempt;
  }

  /** The connection is up and working. */
  connected(now: number): void {
    this.#healthySince = now;
  }

  /**
   * The connection failed or dropped: the delay before the next attempt. A server's own
   * `retryAfterMs` (IMAP throttling) is honoured when it is longer.
   */
  failed(now: number, retryAfterMs: number | null = null): number {
    if (this.#healthySince !== null && now - this.#healthySince >= this.policy.healthyAfterMs)
      this.#attempt = 0;
    this.#healthySince = null;
    const delay = backoffDelay(this.#attempt, this.policy, this.random);
    this.#attempt++;
    return Math.max(delay, retryAfterMs ?? 0);
  }
}
