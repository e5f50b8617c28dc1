import { describe, expect, it } from 'vitest';

import { normalizeAddress } from '../../../src/message/addresses.js';
import type { AssistantIdentity } from '../../../src/message/assistant-address.js';
import { ALIAS_PATTERN, matchAssistantAddress } from '../../../src/message/assistant-address.js';
import { ASSISTANT, idnPunycode, idnUnicode } from './tenants.js';

const WITH_EXTRA: AssistantIdentity = { ...ASSISTANT, domains: ['example.com', 'acme.onmicrosoft.com'] };

describe('matchAssistantAddress', () => {
  it.each([['casper@example.com'], ['Casper@Example.COM'], ['CASPER@EXAMPLE.COM']])(
    '%s is the bare mailbox',
    (address) => {
      expect(matchAssistantAddress(address, ASSISTANT)).toEqual({ kind: 'bare' });
    },
  );

  it.each([
    ['casper+sales@example.com', 'sales'],
    ['CASPER+Sales@EXAMPLE.COM', 'sales'],
    ['casper+SUPPORT@example.com', 'support'],
    ['casper+sales.eu@example.com', 'sales.eu'],
    ['casper+sales_eu@example.com', 'sales_eu'],
    ['casper+sales-eu@example.com', 'sales-eu'],
    ['casper+2026@example.com', '2026'],
    ['casper+s@example.com', 's'],
    [`casper+${'a'.repeat(64)}@example.com`, 'a'.repeat(64)],
  ])('%s has the alias %j (lower-cased)', (address, alias) => {
    expect(matchAssistantAddress(address, ASSISTANT)).toEqual({ kind: 'alias', alias });
  });

  it.each([
    ['casper+bad/alias@example.com', 'bad/alias'],
    [`casper+${'a'.repeat(65)}@example.com`, 'a'.repeat(65)],
    [`casper+${'a'.repeat(70)}@example.com`, 'a'.repeat(70)],
    ['casper+@example.com', ''],
    ['casper+.sales@example.com', '.sales'],
    ['casper+-sales@example.com', '-sales'],
    ['casper+_sales@example.com', '_sales'],
    ['casper+sales+eu@example.com', 'sales+eu'],
    ['casper+vérité@example.com', 'vérité'],
    ['casper+sales desk@example.com', 'sales desk'],
  ])('%s is the assistant with an invalid alias %j', (address, alias) => {
    expect(matchAssistantAddress(address, ASSISTANT)).toEqual({ kind: 'invalid-alias', alias });
  });

  it.each([
    ['dana.whitfield@example.net'],
    ['casper@example.net'],
    ['casper+sales@example.net'],
    ['casper+sales@mail.example.com'],
    ['casper+sales@example.com.evil.example'],
    ['casperx@example.com'],
    ['xcasper+sales@example.com'],
    ['casper-sales@example.com'],
    ['casper.sales@example.com'],
    ['casper'],
    ['@example.com'],
    [''],
  ])('%s is not the assistant', (address) => {
    expect(matchAssistantAddress(address, ASSISTANT)).toBeNull();
  });

  it('matches every configured domain (extraDomains), case-insensitively', () => {
    expect(matchAssistantAddress('casper+sales@acme.onmicrosoft.com', WITH_EXTRA)).toEqual({
      kind: 'alias',
      alias: 'sales',
    });
    expect(matchAssistantAddress('Casper@ACME.onmicrosoft.com', WITH_EXTRA)).toEqual({ kind: 'bare' });
    expect(matchAssistantAddress('casper+sales@onmicrosoft.com', WITH_EXTRA)).toBeNull();
  });

  it('handles a quoted local part once the address is normalized', () => {
    expect(matchAssistantAddress(normalizeAddress('"casper+sales"@example.com'), ASSISTANT)).toEqual({
      kind: 'alias',
      alias: 'sales',
    });
    expect(matchAssistantAddress(normalizeAddress('"Casper"@example.com'), ASSISTANT)).toEqual({
      kind: 'bare',
    });
  });

  it('uses the configured delimiter', () => {
    const dash: AssistantIdentity = { ...ASSISTANT, delimiter: '-' };
    expect(matchAssistantAddress('casper-sales@example.com', dash)).toEqual({
      kind: 'alias',
      alias: 'sales',
    });
    expect(matchAssistantAddress('casper+sales@example.com', dash)).toBeNull();
    // everything after the first delimiter is the alias
    expect(matchAssistantAddress('casper-s-a-s-2200@example.com', dash)).toEqual({
      kind: 'alias',
      alias: 's-a-s-2200',
    });
  });

  describe('IDN domains (assistant domain bücher.example)', () => {
    it.each([
      ['configured in Unicode', idnUnicode.assistant],
      ['configured in punycode', idnPunycode.assistant],
    ])('%s: matches the punycode and the Unicode spelling of the address', (_how, assistant) => {
      expect(assistant.domains).toEqual(['xn--bcher-kva.example']);
      expect(matchAssistantAddress('casper+sales@xn--bcher-kva.example', assistant)).toEqual({
        kind: 'alias',
        alias: 'sales',
      });
      expect(matchAssistantAddress('casper+sales@XN--BCHER-KVA.EXAMPLE', assistant)).toEqual({
        kind: 'alias',
        alias: 'sales',
      });
      expect(matchAssistantAddress('casper+sales@bücher.example', assistant)).toEqual({
        kind: 'alias',
        alias: 'sales',
      });
      expect(matchAssistantAddress('Casper@BÜCHER.example', assistant)).toEqual({ kind: 'bare' });
      expect(matchAssistantAddress('casper+sales@bucher.example', assistant)).toBeNull();
    });

    it('a Unicode address does not match an unrelated ASCII domain', () => {
      expect(matchAssistantAddress('casper+sales@bücher.example', ASSISTANT)).toBeNull();
    });
  });
});

describe('ALIAS_PATTERN', () => {
  it('is the SPEC §3 pattern [a-z0-9][a-z0-9._-]{0,63}', () => {
    expect(ALIAS_PATTERN.test('a')).toBe(true);
    expect(ALIAS_PATTERN.test('a'.repeat(64))).toBe(true);
    expect(ALIAS_PATTERN.test('a'.repeat(65))).toBe(false);
    expect(ALIAS_PATTERN.test('Sales')).toBe(false); // normalized (lower-cased) before the test
    expect(ALIAS_PATTERN.test('')).toBe(false);
  });
});
