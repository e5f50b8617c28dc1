import type { AssistantIdentity } from './assistant-address.js';
import { matchAssistantAddress } from './assistant-address.js';
import type { Candidate } from './candidates.js';
import type { AutoSubmittedKind, Recipient } from './types.js';

/** Routing policy of one tenant (SPEC §3); the compiled tenant config satisfies it. */
export interface RoutingRules {
  readonly workspaces: ReadonlyMap<string, string> | null;
  readonly unknownAlias: PolicyAction;
  readonly noAlias: PolicyAction;
  readonly autoReplies: 'route' | 'unrouted' | 'drop';
}

export type PolicyAction =
  | { readonly action: 'unrouted' }
  | { readonly action: 'drop' }
  | { readonly action: 'workspace'; readonly workspace: string };

export interface Route {
  readonly workspace: string;
  readonly alias: string | null;
  readonly recipient: Recipient | null;
}

export type RoutingDecision =
  | { readonly outcome: 'routed'; readonly routes: readonly Route[]; readonly warnings: readonly string[] }
  | {
      readonly outcome: 'unrouted' | 'dropped';
      readonly reason: string;
      readonly alias: string | null;
      readonly recipient: Recipient | null;
      readonly warnings: readonly string[];
    };

interface AliasHit {
  readonly alias: string;
  readonly recipient: Recipient;
}

/**
 * Decides where a message goes (SPEC §4). Pure: the same candidates, classification and rules
 * always give the same decision, so the daemon and `inspect` cannot disagree.
 */
export function decideRoute(
  candidates: readonly Candidate[],
  autoSubmitted: AutoSubmittedKind | null,
  assistant: AssistantIdentity,
  rules: RoutingRules,
): RoutingDecision {
  const warnings: string[] = [];
  const aliases = new Map<string, AliasHit>();
  let bare: Recipient | null = null;
  const invalid = new Set<string>();

  // Candidates arrive in priority order, so the first sighting of an alias is its best header.
  for (const c of candidates) {
    const match = matchAssistantAddress(c.address, assistant);
    if (match === null) continue;
    const recipient: Recipient = { address: c.address.toLowerCase(), header: c.header };
    if (match.kind === 'alias') {
      if (!aliases.has(match.alias)) aliases.set(match.alias, { alias: match.alias, recipient });
    } else {
      if (match.kind === 'invalid-alias' && !invalid.has(match.alias)) {
        invalid.add(match.alias);
        warnings.push(
          `alias "${match.alias}" in ${c.header} is not a valid alias ([a-z0-9][a-z0-9._-]{0,63}); the address counts as the bare mailbox`,
        );
      }
      bare ??= recipient;
    }
  }

  if (autoSubmitted !== null && rules.autoReplies !== 'route') {
    const first = aliases.values().next().value;
    return {
      outcome: rules.autoReplies === 'drop' ? 'dropped' : 'unrouted',
      reason: `auto-submitted: ${autoSubmitted}`,
      alias: first?.alias ?? null,
      recipient: first?.recipient ?? bare,
      warnings,
    };
  }

  const routes: Route[] = [];
  const unknown: AliasHit[] = [];
  for (const hit of aliases.values()) {
    const workspace = rules.workspaces === null ? hit.alias : rules.workspaces.get(hit.alias);
    if (workspace === undefined) {
      unknown.push(hit);
    } else if (!routes.some((r) => r.workspace === workspace)) {
      routes.push({ workspace, alias: hit.alias, recipient: hit.recipient });
    }
  }

  if (routes.length > 0) {
    for (const hit of unknown)
      warnings.push(`alias "${hit.alias}" (${hit.recipient.header}) is not in the workspaces map; ignored`);
    return { outcome: 'routed', routes, warnings };
  }
  const firstUnknown = unknown[0];
  if (firstUnknown !== undefined) {
    return applyPolicy(
      rules.unknownAlias,
      `unknown alias "${firstUnknown.alias}"`,
      firstUnknown.alias,
      firstUnknown.recipient,
      warnings,
    );
  }
  const reason =
    bare !== null
      ? 'no alias: mail to the bare mailbox'
      : 'no alias: no assistant address among the recipients';
  return applyPolicy(rules.noAlias, reason, null, bare, warnings);
}

function applyPolicy(
  policy: PolicyAction,
  reason: string,
  alias: string | null,
  recipient: Recipient | null,
  warnings: string[],
): RoutingDecision {
  switch (policy.action) {
    case 'workspace':
      return { outcome: 'routed', routes: [{ workspace: policy.workspace, alias, recipient }], warnings };
    case 'drop':
      return { outcome: 'dropped', reason, alias, recipient, warnings };
    case 'unrouted':
      return { outcome: 'unrouted', reason, alias, recipient, warnings };
  }
}
