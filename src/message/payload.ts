import type { ParsedMessage } from './parse.js';
import type { Route } from './route.js';
import type { AutoSubmittedKind, EmailPayload, Invite, MessageSource, Recipient } from './types.js';
import { PAYLOAD_SCHEMA } from './types.js';

export interface PayloadParts {
  readonly tenant: string;
  readonly source: MessageSource;
  readonly parsed: ParsedMessage | null;
  readonly invites: Invite[];
  readonly autoSubmitted: AutoSubmittedKind | null;
  readonly warnings: string[];
}

/** The payload of a routed job: one per workspace. */
export function workspacePayload(parts: PayloadParts, route: Route): EmailPayload {
  return { ...common(parts), workspace: route.workspace, alias: route.alias, recipient: route.recipient };
}

/** Unrouted and dead-letter jobs: the same shape, workspace null, plus why (SPEC §5). */
export function fallbackPayload(
  parts: PayloadParts,
  reason: string,
  alias: string | null,
  recipient: Recipient | null,
): EmailPayload {
  return { ...common(parts), workspace: null, alias, recipient, reason };
}

/** Keys in SPEC §5 order, so that payloads read the same in every queue. */
function common(parts: PayloadParts): EmailPayload {
  const p = parts.parsed;
  return {
    schema: PAYLOAD_SCHEMA,
    tenant: parts.tenant,
    workspace: null,
    alias: null,
    recipient: null,
    source: parts.source,
    messageId: p?.messageId ?? null,
    inReplyTo: p?.inReplyTo ?? null,
    references: p?.references ?? [],
    date: p?.date ?? null,
    subject: p?.subject ?? '',
    from: p?.from ?? [],
    to: p?.to ?? [],
    cc: p?.cc ?? [],
    replyTo: p?.replyTo ?? [],
    text: p?.text ?? null,
    html: p?.html ?? null,
    truncated: p?.truncated ?? false,
    attachments: p?.attachments ?? [],
    invites: parts.invites,
    autoSubmitted: parts.autoSubmitted,
    warnings: parts.warnings,
  };
}
