import iconv from 'iconv-lite';

/**
 * Calendar bytes to text before ical.js sees them: the part's declared charset, else UTF-8 when
 * the bytes are valid UTF-8 (RFC 5545's default), else Windows-1252 (Outlook's habit). A BOM is
 * dropped, since ical.js fails on it.
 */
export function decodeCalendarBytes(raw: Buffer, charset: string | null, warnings: string[]): string {
  let text: string | null = null;
  const declared = charset?.trim().toLowerCase() ?? '';
  // RFC 5545 §3.1: folding may split a multi-octet character, so unfold the octets first. Only
  // for ASCII-compatible charsets, where CR, LF, space and tab are single bytes.
  const bytes = /^utf-?(?:16|32)/.test(declared)
    ? raw
    : Buffer.from(raw.toString('latin1').replace(/\r?\n[ \t]/g, ''), 'latin1');
  if (declared !== '' && !/^(?:utf-?8|us-ascii|ascii)$/.test(declared)) {
    if (iconv.encodingExists(declared)) {
      text = iconv.decode(bytes, declared);
    } else {
      warnings.push(`calendar part declares unknown charset "${charset}"; read as UTF-8`);
    }
  }
  if (text === null) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = iconv.decode(bytes, 'windows-1252');
      if (declared !== '') warnings.push(`calendar part is not valid ${charset}; read as Windows-1252`);
    }
  }
  return text.replace(/^\uFEFF/, '');
}
