import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';

import { toError } from '../errors.js';
import type { AssistantIdentity } from './assistant-address.js';
import { classifyAutoSubmitted } from './auto-submitted.js';
import { extractInvites } from './calendar/extract.js';
import { collectCandidates } from './candidates.js';
import type { ParseLimits, ParsedMessage } from './parse.js';
import { parseMessage } from './parse.js';
import { MIN_RAW_BYTES_PER_CHAR } from './text-cap.js';
import type { PayloadParts } from './payload.js';
import { fallbackPayload, workspacePayload } from './payload.js';
import type { RoutingDecision, RoutingRules } from './route.js';
import { decideRoute } from './route.js';
import type { AutoSubmittedKind, EmailPayload, MessageSource } from './types.js';

/** What the pipeline needs of a tenant; the compiled TenantConfig provides it. */
export interface PipelineTenant {
  readonly id: string;
  readonly assistant: AssistantIdentity;
  readonly routing: RoutingRules;
  readonly limits: ParseLimits & { readonly maxMessageBytes: number };
}

export type JobKind = 'workspace' | 'unrouted' | 'dead-letter';
export type Outcome = 'routed' | 'unrouted' | 'dead-letter' | 'dropped';

export interface PlannedJob {
  readonly kind: JobKind;
  readonly workspace: string | null;
  readonly alias: string | null;
  readonly payload: EmailPayload;
}

/** Everything the daemon (or `inspect`) needs to record a message's outcome. */
export interface ProcessedMessage {
  readonly outcome: Outcome;
  /** Why the message was unrouted, dead-lettered or dropped; null when routed. */
  readonly reason: string | null;
  readonly jobs: readonly PlannedJob[];
  readonly messageId: string | null;
  /**
   * Stable identity for duplicate suppression: the Message-ID when there is one (two copies of
   * a message yield one job per workspace), else a hash of the raw bytes.
   */
  readonly identity: string;
  readonly autoSubmitted: AutoSubmittedKind | null;
  readonly warnings: readonly string[];
  readonly decision: RoutingDecision | null;
}

/**
 * The whole decision half of the product: parse, classify, route, extract invites, build
 * payloads. It never throws: a message that cannot be parsed becomes a dead-letter job.
 */
export async function processMessage(
  raw: Buffer,
  source: MessageSource,
  tenant: PipelineTenant,
): Promise<ProcessedMessage> {
  if (raw.length > tenant.limits.maxMessageBytes) {
    return oversizedMessage(source, tenant, rawIdentity(raw));
  }
  return processChunks(slices(raw), source, tenant, () => rawIdentity(raw));
}

/**
 * processMessage for a message that arrives in chunks (streamed off IMAP), holding only what the
 * parser holds. It throws only when `chunks` itself fails (the download broke): that is not the
 * message's fault, and the message must be fetched again rather than dead-lettered.
 */
export async function processMessageStream(
  chunks: AsyncIterable<Uint8Array>,
  source: MessageSource,
  tenant: PipelineTenant,
): Promise<ProcessedMessage> {
  const hash = createHash('sha256');
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      hash.update(chunk);
      yield chunk;
    }
  }
  return processChunks(hashed(), source, tenant, () => `sha256:${hash.digest('hex')}`);
}

/**
 * Feeds the parser chunk by chunk. Every chunk is read to the end even when the parser gave up
 * or the message turned out too large, because `identity` (called only then) may hash them all.
 */
async function processChunks(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  source: MessageSource,
  tenant: PipelineTenant,
  identity: () => string,
): Promise<ProcessedMessage> {
  const input = new PassThrough();
  let bytes = 0;
  // Only a message this large can hold more body text than the payload keeps (see textCap).
  const capTextBodies = source.size > tenant.limits.maxBodyChars * MIN_RAW_BYTES_PER_CHAR;
  const parsing = parseMessage(input, tenant.limits, { capTextBodies });
  // A parser that failed stops reading; destroying its input lets the feeding go on.
  parsing.catch(() => input.destroy());
  const feeding = (async () => {
    try {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        if (input.destroyed) continue;
        // RFC822.SIZE was checked before the download; this catches a server that understated it.
        // The parser is stopped with an error (a plain end would let it finish): its result is moot.
        if (bytes > tenant.limits.maxMessageBytes)
          input.destroy(new Error('message exceeds maxMessageBytes'));
        else if (!input.write(chunk)) await drainedOrClosed(input);
      }
      if (!input.destroyed) input.end();
    } catch (err) {
      input.destroy(toError(err));
      throw err;
    }
  })();
  const [fed, parsed] = await Promise.allSettled([feeding, parsing]);
  if (fed.status === 'rejected') throw fed.reason;
  if (bytes > tenant.limits.maxMessageBytes) {
    return oversizedMessage({ ...source, size: Math.max(source.size, bytes) }, tenant, identity());
  }
  if (parsed.status === 'rejected') {
    return deadLetterMessage(source, tenant, `unparseable: ${toError(parsed.reason).message}`, identity());
  }
  const message = parsed.value;
  return decide(
    message,
    source,
    tenant,
    message.messageId !== null ? `mid:${message.messageId}` : identity(),
  );
}

/** The parser gets a large buffer in pieces: mailsplit copies and splits big chunks whole. */
const SLICE_BYTES = 64 * 1024;
function* slices(raw: Buffer): Generator<Buffer> {
  for (let i = 0; i < raw.length; i += SLICE_BYTES) yield raw.subarray(i, i + SLICE_BYTES);
}

function drainedOrClosed(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** SPEC §4: over maxMessageBytes -> dead-letter without downloading or parsing it. */
export function oversizedMessage(
  source: MessageSource,
  tenant: PipelineTenant,
  identity?: string,
): ProcessedMessage {
  return deadLetterMessage(
    source,
    tenant,
    `too large: ${source.size} bytes exceeds maxMessageBytes ${tenant.limits.maxMessageBytes}`,
    identity,
  );
}

function decide(
  parsed: ParsedMessage,
  source: MessageSource,
  tenant: PipelineTenant,
  identity: string,
): ProcessedMessage {
  const warnings = [...parsed.warnings];
  const { candidates, scannedHeaders } = collectCandidates(parsed.headers);
  for (const header of scannedHeaders)
    warnings.push(`${header} header did not parse as an address list; scanned for addresses`);
  const autoSubmitted = classifyAutoSubmitted(parsed.headers, {
    contentType: parsed.contentType,
    assistant: tenant.assistant,
  });
  const decision = decideRoute(candidates, autoSubmitted, tenant.assistant, tenant.routing);
  warnings.push(...decision.warnings);
  const invites = extractInvites(parsed.calendarParts, warnings);

  const parts: PayloadParts = {
    tenant: tenant.id,
    source,
    parsed,
    invites,
    autoSubmitted,
    warnings: [...new Set(warnings)],
  };
  const base = { messageId: parsed.messageId, identity, autoSubmitted, warnings: parts.warnings, decision };
  switch (decision.outcome) {
    case 'routed':
      return {
        ...base,
        outcome: 'routed',
        reason: null,
        jobs: decision.routes.map((route) => ({
          kind: 'workspace' as const,
          workspace: route.workspace,
          alias: route.alias,
          payload: workspacePayload(parts, route),
        })),
      };
    case 'unrouted':
      return {
        ...base,
        outcome: 'unrouted',
        reason: decision.reason,
        jobs: [
          {
            kind: 'unrouted',
            workspace: null,
            alias: decision.alias,
            payload: fallbackPayload(parts, decision.reason, decision.alias, decision.recipient),
          },
        ],
      };
    case 'dropped':
      return { ...base, outcome: 'dropped', reason: decision.reason, jobs: [] };
  }
}

/**
 * A message that ends in the dead-letter queue with `reason`. Without an identity from its
 * content (never downloaded, or the parser died on it) it is known by its place in the mailbox.
 */
export function deadLetterMessage(
  source: MessageSource,
  tenant: PipelineTenant,
  reason: string,
  identity = `uid:${source.uidValidity}:${source.uid}`,
): ProcessedMessage {
  const parts: PayloadParts = {
    tenant: tenant.id,
    source,
    parsed: null,
    invites: [],
    autoSubmitted: null,
    warnings: [],
  };
  return {
    outcome: 'dead-letter',
    reason,
    jobs: [
      {
        kind: 'dead-letter',
        workspace: null,
        alias: null,
        payload: fallbackPayload(parts, reason, null, null),
      },
    ],
    messageId: null,
    identity,
    autoSubmitted: null,
    warnings: [],
    decision: null,
  };
}

function rawIdentity(raw: Buffer): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}
