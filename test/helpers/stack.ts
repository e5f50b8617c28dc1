/**
 * The integration-test server stack: a real Dovecot (IMAP, IMAPS, LMTP) and a real Redis,
 * started side by side, each in its own temp dir on 127.0.0.1 with ephemeral ports.
 */
import { startDovecot } from '../../src/devstack/dovecot.js';
import type { DovecotOptions, DovecotServer } from '../../src/devstack/dovecot.js';
import { startRedis } from '../../src/devstack/redis.js';
import type { RedisOptions, RedisServer } from '../../src/devstack/redis.js';

export { freePort, freePorts } from '../../src/devstack/ports.js';
export { leftoverProcesses, liveChildProcesses } from '../../src/devstack/processes.js';
export { sleep, waitFor } from '../../src/devstack/wait-for.js';
export type { WaitForOptions } from '../../src/devstack/wait-for.js';
export type { DovecotOptions, DovecotServer } from '../../src/devstack/dovecot.js';
export type { RedisOptions, RedisServer } from '../../src/devstack/redis.js';

export interface StackOptions {
  dovecot?: DovecotOptions;
  redis?: RedisOptions;
}

export interface Stack {
  readonly dovecot: DovecotServer;
  readonly redis: RedisServer;
  /** Stops both servers, even if stopping one fails (then rejects with an AggregateError). Idempotent. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [dovecot, redis] = await Promise.allSettled([
    startDovecot(options.dovecot),
    startRedis(options.redis),
  ]);
  if (dovecot.status === 'rejected' || redis.status === 'rejected') {
    const errors: unknown[] = [];
    for (const result of [dovecot, redis]) {
      if (result.status === 'rejected') errors.push(result.reason);
      else await result.value.stop().catch((err: unknown) => errors.push(err));
    }
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'starting the test stack failed');
  }
  return stackOf(dovecot.value, redis.value);
}

function stackOf(dovecot: DovecotServer, redis: RedisServer): Stack {
  let stopping: Promise<void> | undefined;
  const stopBoth = async (): Promise<void> => {
    const results = await Promise.allSettled([dovecot.stop(), redis.stop()]);
    const errors = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (errors.length > 0) throw new AggregateError(errors, 'stopping the test stack failed');
  };
  return {
    dovecot,
    redis,
    stop() {
      stopping ??= stopBoth();
      return stopping;
    },
  };
}
