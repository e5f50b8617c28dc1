import { randomBytes } from 'node:crypto';

import type { Cluster, Redis } from 'ioredis';

/**
 * One replica at a time per tenant mailbox (SPEC §6): a Redis key holding the replica's id with
 * a TTL, renewed while the replica works the mailbox. A replica that dies stops renewing and its
 * tenants are taken over once the key expires. While Redis is unreachable nothing can be renewed
 * (or recorded), so a lost lease never costs more than a fetch done twice: job ids and dedup
 * markers keep the outcome single.
 */
export type LeaseState = 'held' | 'taken' | 'unavailable';

export class TenantLease {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly key: string,
    private readonly owner: string,
    readonly ttlMs: number,
  ) {}

  /** How often a holder renews, and a standby replica asks: three times per TTL, at most 4 per second. */
  get renewEveryMs(): number {
    return Math.max(250, Math.floor(this.ttlMs / 3));
  }

  /**
   * Takes the lease if it is free, or extends it if it is ours. `taken`: another replica holds
   * it; `unavailable`: Redis did not answer (nothing can be recorded then either).
   */
  async acquire(): Promise<LeaseState> {
    try {
      const result = await this.redis.eval(ACQUIRE, 1, this.key, this.owner, String(this.ttlMs));
      return result === 1 ? 'held' : 'taken';
    } catch {
      return 'unavailable';
    }
  }

  async release(): Promise<void> {
    try {
      await this.redis.eval(RELEASE, 1, this.key, this.owner);
    } catch {
      // Redis away: the lease expires by itself.
    }
  }
}

// Take the key when it is free, or extend it when it is ours: one atomic step.
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A replica's identity: host, pid and a random part, so two processes never share one. */
export function replicaId(hostname: string, pid: number): string {
  return `${hostname}:${pid}:${randomBytes(4).toString('hex')}`;
}
