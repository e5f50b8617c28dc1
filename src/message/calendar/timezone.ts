import { createRequire } from 'node:module';

import { IANAZone } from 'luxon';
import { findIana } from 'windows-iana';

interface WindowsZoneEntry {
  readonly value: string;
  readonly text: string;
}

// timezones.json is the maintained table of Windows zone display names
// ("(UTC+01:00) Amsterdam, Berlin, ...") and their Windows ids; it ships as plain JSON.
const windowsDisplayNames = createRequire(import.meta.url)('timezones.json') as readonly WindowsZoneEntry[];

/**
 * The IANA zone a calendar TZID stands for, or null. Tried in order: an IANA name (including
 * backward links such as US/Pacific), a CLDR Windows id ("W. Europe Standard Time"), a Lotus
 * Notes short id ("Romance", "W. Europe" -> "... Standard Time"), then an Outlook display name
 * in any of its spellings: "(UTC+01:00) Amsterdam, Berlin, ...", the legacy
 * "(GMT+01.00) Sarajevo/Warsaw/Zagreb", a bare city list, or a localized city list, matched on
 * the offset and the cities it shares with a Windows display name.
 */
export function ianaZoneFor(tzid: string): string | null {
  const id = tzid.trim().replace(/^"|"$/g, '');
  if (id === '') return null;
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  const found = resolve(id);
  cache.set(id, found);
  return found;
}

const cache = new Map<string, string | null>();

function resolve(id: string): string | null {
  // Olson ids are never plain words; this keeps "EST"-style abbreviations, which Intl accepts
  // but Outlook means differently, out of the IANA branch (they resolve as Windows ids below).
  if ((id.includes('/') || /^(?:UTC|GMT|Etc\/.+)$/i.test(id)) && IANAZone.isValidZone(id)) {
    // Area/Location names are kept as written (Intl would turn Asia/Kolkata into the older
    // Asia/Calcutta); only the backward-compatible country-style links are resolved.
    return /^(?:US|Canada|Mexico|Brazil|Chile)\//i.test(id) ? canonical(id) : id;
  }
  const windows = fromWindowsId(id) ?? fromWindowsId(`${id} Standard Time`);
  if (windows !== null) return windows;
  return fromDisplayName(id);
}

function fromWindowsId(id: string): string | null {
  const zones = findIana(id);
  const first = zones[0];
  return first !== undefined && IANAZone.isValidZone(first) ? canonical(first) : null;
}

function fromDisplayName(name: string): string | null {
  const offset = /^\(?\s*(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})[:.]?(\d{2}))?\s*\)?/i.exec(name);
  const wantedOffset = offset ? normalizeOffset(offset[1], offset[2], offset[3]) : null;
  const cities = cityTokens(offset ? name.slice(offset[0].length) : name);
  if (cities.size === 0) return null;
  let best: { entry: WindowsZoneEntry; score: number } | null = null;
  for (const entry of windowsDisplayNames) {
    const entryOffset = /^\(UTC(?:([+-])(\d{2}):(\d{2}))?\)/.exec(entry.text);
    if (
      wantedOffset !== null &&
      entryOffset &&
      normalizeOffset(entryOffset[1], entryOffset[2], entryOffset[3]) !== wantedOffset
    )
      continue;
    const entryCities = cityTokens(entry.text.replace(/^\([^)]*\)\s*/, ''));
    let score = 0;
    for (const c of cities) if (entryCities.has(c)) score++;
    if (score > 0 && (best === null || score > best.score)) best = { entry, score };
  }
  return best ? fromWindowsId(best.entry.value) : null;
}

function normalizeOffset(
  sign: string | undefined,
  hours: string | undefined,
  minutes: string | undefined,
): string {
  if (hours === undefined) return '+00:00';
  return `${sign ?? '+'}${hours.padStart(2, '0')}:${minutes ?? '00'}`.replace(/^-00:00$/, '+00:00');
}

function cityTokens(text: string): Set<string> {
  return new Set(
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .split(/[,/;&]|\band\b|\bet\b/)
      .map((s) => s.trim())
      .filter((s) => s.length > 1),
  );
}

function canonical(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}
