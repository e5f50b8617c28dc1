import { createHash } from 'node:crypto';

import { toError } from '../errors.js';
import type { AssistantIdentity } from './assistant-address.js';
import { classifyAutoSubmitted } from './auto-submitted.js';
import { extractInvites } from './calendar/extract.js';
import { collectCandidates } from './candidates.js';
import type { ParseLimits, ParsedMessage } from './parse.js';
import { parseMessage } from './parse.js';
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
  let parsed: ParsedMessage;
  try {
    parsed = await parseMessage(raw, tenant.limits);
  } catch (err) {
    return deadLetter(source, tenant, `unparseable: ${toError(err).message}`, rawIdentity(raw));
  }
  return decide(
    parsed,
    source,
    tenant,
    parsed.messageId !== null ? `mid:${parsed.messageId}` : rawIdentity(raw),
  );
}

/** SPEC §4: over maxMessageBytes -> dead-letter without downloading or parsing it. */
export function oversizedMessage(
  source: MessageSource,
  tenant: PipelineTenant,
  identity?: string,
): ProcessedMessage {
  return deadLetter(
    source,
    tenant,
    `too large: ${source.size} bytes exceeds maxMessageBytes ${tenant.limits.maxMessageBytes}`,
    identity ?? `uid:${source.uidValidity}:${source.uid}`,
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

function deadLetter(
  source: MessageSource,
  tenant: PipelineTenant,
  reason: string,
  identity: string,
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
