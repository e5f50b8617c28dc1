import { createHash } from 'node:crypto';

/**
 * Deterministic BullMQ job id (README "Job ids"): `m` + the first 40 hex digits of
 * SHA-256(tenant NL queue NL identity), where identity is `mid:<Message-ID>` or, for a message
 * without one, `sha256:<hash of the raw message>`. The same message fetched again after a crash,
 * or a second copy of it, yields the same id in the same queue; BullMQ rejects ':' and all-digit
 * ids, which this form can never be.
 */
export function jobIdFor(tenant: string, queue: string, identity: string): string {
  return `m${createHash('sha256').update(`${tenant}\n${queue}\n${identity}`).digest('hex').slice(0, 40)}`;
}
