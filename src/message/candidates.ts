import type { FoundAddress } from './addresses.js';
import { parseAddressList, scanAddresses } from './addresses.js';
import type { HeaderList } from './headers.js';

/** SPEC §4: where recipient addresses are looked for, highest priority first. */
export const CANDIDATE_HEADERS = [
  'delivered-to',
  'x-delivered-to',
  'x-original-to',
  'x-gm-original-to',
  'envelope-to',
  'x-envelope-to',
  'x-forwarded-to',
  'resent-to',
  'resent-cc',
  'to',
  'cc',
] as const;

/** `received` stands for the `for <addr>` clause of Received headers, always last. */
export type CandidateHeader = (typeof CANDIDATE_HEADERS)[number] | 'received';

export interface Candidate {
  readonly address: string;
  readonly header: CandidateHeader;
}

export interface CandidateScan {
  readonly candidates: Candidate[];
  /** Headers that did not parse as address lists and were scanned instead. */
  readonly scannedHeaders: CandidateHeader[];
}

/**
 * Every recipient address of the message in SPEC §4 priority order (a header that appears
 * several times, like Delivered-To, contributes each occurrence in message order).
 */
export function collectCandidates(headers: HeaderList): CandidateScan {
  const candidates: Candidate[] = [];
  const scannedHeaders: CandidateHeader[] = [];
  for (const name of CANDIDATE_HEADERS) {
    for (const field of headers) {
      if (field.name !== name || field.value === '') continue;
      const { addresses, scanned } = parseAddressList(field.value);
      if (scanned && !scannedHeaders.includes(name)) scannedHeaders.push(name);
      for (const a of addresses) candidates.push({ address: a.address, header: name });
    }
  }
  for (const field of headers) {
    if (field.name !== 'received') continue;
    for (const a of receivedFor(field.value)) candidates.push({ address: a.address, header: 'received' });
  }
  return { candidates, scannedHeaders };
}

/**
 * The `for <addr>` clause of a Received header (RFC 5321 §4.4), which sits before the `;` that
 * starts the date. Some MTAs omit the brackets or list several addresses.
 */
export function receivedFor(value: string): FoundAddress[] {
  const beforeDate = value.includes(';') ? value.slice(0, value.lastIndexOf(';')) : value;
  const out: FoundAddress[] = [];
  for (const match of beforeDate.matchAll(
    /\bfor\s+((?:<[^>]*>|[^\s;<>()]+)(?:\s*,\s*(?:<[^>]*>|[^\s;<>()]+))*)/gi,
  )) {
    out.push(...scanAddresses(match[1] ?? ''));
  }
  return out;
}
