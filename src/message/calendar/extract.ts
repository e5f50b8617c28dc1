import type { CalendarPart } from '../parse.js';
import type { Invite } from '../types.js';
import { decodeCalendarBytes } from './decode.js';
import { veventToInvite } from './invite.js';
import { parseCalendar } from './parse-calendar.js';

/** Past this many VEVENTs in one message the rest are counted, not reported (a 100k-event export is no invite). */
export const MAX_INVITES = 1000;

/**
 * Invites from every calendar part of a message (SPEC §5). A VEVENT present in several parts
 * (same UID, RECURRENCE-ID and SEQUENCE, e.g. Google's inline part plus invite.ics) is reported
 * once. A part that cannot be parsed adds a warning and nothing else.
 */
export function extractInvites(parts: readonly CalendarPart[], warnings: string[]): Invite[] {
  const invites: Invite[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const part of parts) {
    const partWarnings: string[] = [];
    const text = decodeCalendarBytes(part.content, part.charset, partWarnings);
    const { calendars, rrules } = parseCalendar(text, partWarnings);
    let veventIndex = 0;
    for (const calendar of calendars) {
      const declared = calendar.getFirstPropertyValue('method');
      const method =
        typeof declared === 'string' && declared.trim() !== ''
          ? declared.trim().toUpperCase()
          : (part.method?.toUpperCase() ?? null);
      for (const vevent of calendar.getAllSubcomponents('vevent')) {
        const rawRrule = rrules[veventIndex++] ?? null;
        if (invites.length >= MAX_INVITES) {
          skipped++;
          continue;
        }
        const invite = veventToInvite(vevent, method, partWarnings, rawRrule);
        const key = dedupKey(invite);
        if (seen.has(key)) continue;
        seen.add(key);
        invites.push(invite);
      }
    }
    const where = part.filename ?? part.contentType;
    for (const w of partWarnings) warnings.push(`${where}: ${w}`);
  }
  if (skipped > 0)
    warnings.push(`${skipped} more calendar events not reported (limit ${MAX_INVITES} per message)`);
  return invites;
}

function dedupKey(invite: Invite): string {
  // Events without UID cannot be matched reliably; their content stands in for the identity.
  const identity = invite.uid ?? `no-uid:${invite.summary ?? ''}:${invite.start ?? ''}`;
  return JSON.stringify([identity, invite.recurrenceId, invite.sequence]);
}
