/**
 * Shared tenants, sources and fixture loading for the message unit tests. The tenants mirror what
 * the config compiler produces (lower-case mailbox, ASCII/punycode domains) for the SPEC §3
 * example: mailbox `casper` on example.com, workspaces sales -> ws-1842, support -> ws-77 (plus
 * vente -> ws-1842, a second alias of the sales workspace).
 */
import { readFileSync } from 'node:fs';

import { asciiDomain } from '../../../src/config/compile.js';
import type { AssistantIdentity } from '../../../src/message/assistant-address.js';
import type { PipelineTenant } from '../../../src/message/pipeline.js';
import type { RoutingRules } from '../../../src/message/route.js';
import type { MessageSource } from '../../../src/message/types.js';

export const ASSISTANT: AssistantIdentity = { mailbox: 'casper', domains: ['example.com'], delimiter: '+' };

export const WORKSPACES: ReadonlyMap<string, string> = new Map([
  ['sales', 'ws-1842'],
  ['support', 'ws-77'],
  ['vente', 'ws-1842'],
]);

/** SPEC §3 defaults: every policy `unrouted`. */
export const RULES: RoutingRules = {
  workspaces: WORKSPACES,
  unknownAlias: { action: 'unrouted' },
  noAlias: { action: 'unrouted' },
  autoReplies: 'unrouted',
};

export const LIMITS: PipelineTenant['limits'] = {
  maxMessageBytes: 50 * 1024 * 1024,
  inlineAttachmentBytes: 256 * 1024,
  inlineTotalBytes: 2 * 1024 * 1024,
  maxBodyChars: 1_000_000,
};

export interface TenantOverrides {
  readonly id?: string;
  readonly assistant?: Partial<AssistantIdentity>;
  readonly routing?: Partial<RoutingRules>;
  readonly limits?: Partial<PipelineTenant['limits']>;
}

export function makeTenant(overrides: TenantOverrides = {}): PipelineTenant {
  return {
    id: overrides.id ?? 'acme',
    assistant: { ...ASSISTANT, ...overrides.assistant },
    routing: { ...RULES, ...overrides.routing },
    limits: { ...LIMITS, ...overrides.limits },
  };
}

/** The SPEC §3 example tenant: workspaces map, every policy `unrouted`. */
export const acme = makeTenant();

/** No workspaces map: every valid alias is its own workspace. */
export const open = makeTenant({ id: 'open', routing: { workspaces: null } });

function ascii(domain: string): string {
  const out = asciiDomain(domain);
  if (out === null) throw new Error(`test setup: ${domain} is not a domain`);
  return out;
}

/** Assistant domain configured in Unicode (`bücher.example`), as the config compiler stores it. */
export const idnUnicode = makeTenant({ id: 'idn-u', assistant: { domains: [ascii('bücher.example')] } });

/** Assistant domain configured in punycode (`xn--bcher-kva.example`). */
export const idnPunycode = makeTenant({
  id: 'idn-p',
  assistant: { domains: [ascii('xn--bcher-kva.example')] },
});

export function sourceFor(raw: Buffer, uid = 4242): MessageSource {
  return {
    user: 'casper@example.com',
    folder: 'INBOX',
    uidValidity: 1_700_000_000,
    uid,
    size: raw.length,
    internalDate: '2026-03-10T12:00:00.000Z',
  };
}

/** Raw bytes of a fixture in test/fixtures/messages/. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../fixtures/messages/${name}`, import.meta.url));
}
