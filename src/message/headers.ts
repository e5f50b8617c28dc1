/** One header field of the top-level message, unfolded, name lower-cased, in message order. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

export type HeaderList = readonly HeaderField[];

/** Unfolds a raw header line (`Name: value` with CRLF + WSP continuations) into a field. */
export function toHeaderField(line: string): HeaderField | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const name = line.slice(0, colon).trim().toLowerCase();
  if (name === '' || /\s/.test(name)) return null;
  const value = line
    .slice(colon + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/\r?\n/g, ' ')
    .trim();
  return { name, value: fixUtf8(value) };
}

/**
 * Header bytes reach us as latin1 ("binary") strings. Raw UTF-8 (RFC 6532 headers, common in
 * practice) is re-read as UTF-8 when it is valid UTF-8; anything else stays as it was.
 */
function fixUtf8(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return value;
  }
}

export function headerValues(headers: HeaderList, name: string): string[] {
  return headers.filter((h) => h.name === name).map((h) => h.value);
}

export function firstHeader(headers: HeaderList, name: string): string | null {
  return headers.find((h) => h.name === name)?.value ?? null;
}
