import { domainToASCII } from 'node:url';

/** What routing needs to know about the assistant mailbox; satisfied by the tenant config. */
export interface AssistantIdentity {
  /** Lower-cased local part. */
  readonly mailbox: string;
  /** Lower-cased ASCII (punycode) domains, primary first. */
  readonly domains: readonly string[];
  readonly delimiter: string;
}

export const ALIAS_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export type AddressMatch =
  | { readonly kind: 'bare' }
  | { readonly kind: 'alias'; readonly alias: string }
  | { readonly kind: 'invalid-alias'; readonly alias: string };

/**
 * Whether `address` is the assistant's (bare mailbox or `mailbox<delimiter>alias`) on one of its
 * domains. Local part and domain compare case-insensitively, IDN domains in either form.
 */
export function matchAssistantAddress(address: string, assistant: AssistantIdentity): AddressMatch | null {
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  const domain = toAsciiDomain(address.slice(at + 1));
  if (domain === null || !assistant.domains.includes(domain)) return null;
  const local = address.slice(0, at).toLowerCase();
  if (local === assistant.mailbox) return { kind: 'bare' };
  const prefix = assistant.mailbox + assistant.delimiter;
  if (!local.startsWith(prefix)) return null;
  const alias = local.slice(prefix.length);
  return ALIAS_PATTERN.test(alias) ? { kind: 'alias', alias } : { kind: 'invalid-alias', alias };
}

const domainCache = new Map<string, string | null>();

function toAsciiDomain(domain: string): string | null {
  const key = domain.trim().toLowerCase().replace(/\.$/, '');
  let cached = domainCache.get(key);
  if (cached === undefined) {
    const ascii = /^[\x21-\x7e]+$/.test(key) ? key : domainToASCII(key);
    cached = ascii === '' ? null : ascii.toLowerCase();
    if (domainCache.size > 10_000) domainCache.clear();
    domainCache.set(key, cached);
  }
  return cached;
}
