import addressparser from 'nodemailer/lib/addressparser';

/** A bare e-mail address found in a header, with how it was found. */
export interface FoundAddress {
  readonly address: string;
  readonly name: string;
}

const SCAN =
  /(?:"[^"\r\n]*"|[^\s<>"(),;:[\]@]+)@[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\u0080-\uffff.-]*[A-Za-z0-9\u0080-\uffff])?/g;

/**
 * Parses an address-list header (quoted names with commas, angle brackets, groups, comments).
 * When the header does not parse into plausible addresses, falls back to scanning it for
 * anything shaped like an address, so that a mangled To: still routes (SPEC §4).
 */
export function parseAddressList(value: string): { addresses: FoundAddress[]; scanned: boolean } {
  // Quoted display names ("casper+sales@example.com" <bob@example.net> is common) are labels,
  // not recipients: they are left out of the sanity count and of the scan. A quoted local part
  // ("casper+sales"@example.com) is followed by "@" and stays.
  const unquoted = value.replace(/"(?:[^"\\]|\\.)*"(?!\s*@)/g, ' ').replace(/\([^()]*\)/g, ' ');
  const atSigns = (unquoted.match(/@/g) ?? []).length;
  let parsed: FoundAddress[] | null;
  try {
    parsed = addressparser(value, { flatten: true })
      .map((a) => ({ address: normalizeAddress(a.address ?? ''), name: a.name ?? '' }))
      .filter((a) => a.address !== '');
  } catch {
    parsed = null;
  }
  // A lenient parser never fails: a missing comma or an unclosed bracket shows up as fewer
  // addresses than "@" signs, or as an address no mail system would accept.
  if (parsed !== null && parsed.length >= atSigns && parsed.every((a) => isPlausible(a.address))) {
    return { addresses: parsed, scanned: false };
  }
  return { addresses: scanAddresses(unquoted), scanned: true };
}

/** Every address-shaped token in free text, in order, without duplicates. */
export function scanAddresses(text: string): FoundAddress[] {
  const seen = new Set<string>();
  const out: FoundAddress[] = [];
  for (const match of text.matchAll(SCAN)) {
    const address = normalizeAddress(match[0]);
    if (!isPlausible(address) || seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    out.push({ address, name: '' });
  }
  return out;
}

/** Strips quotes around a quoted local part (`"casper+sales"@x` -> `casper+sales@x`) and brackets. */
export function normalizeAddress(address: string): string {
  let a = address.trim().replace(/^<+|>+$/g, '');
  const at = a.lastIndexOf('@');
  if (at > 0) {
    let local = a.slice(0, at);
    if (local.length >= 2 && local.startsWith('"') && local.endsWith('"')) {
      local = local.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    a = `${local}@${a.slice(at + 1)}`;
  }
  return a;
}

function isPlausible(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return !/[\s<>"]|^mailto:/i.test(local) && !/[\s<>"@]/.test(domain) && domain.includes('.');
}
