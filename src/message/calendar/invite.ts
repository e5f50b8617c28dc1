import ICAL from 'ical.js';
import { IANAZone } from 'luxon';

import type { Attendee, Invite, Person } from '../types.js';
import type { CalendarComponent } from './parse-calendar.js';
import { describeCalendarError } from './parse-calendar.js';
import { ianaZoneFor } from './timezone.js';
import type { WallFields } from './wall-time.js';
import { wallMs, wallTimeToInstant } from './wall-time.js';

type Property = InstanceType<typeof ICAL.Property>;
type Time = InstanceType<typeof ICAL.Time>;

interface FormattedTime {
  readonly value: string;
  readonly timezone: string | null;
  readonly allDay: boolean;
}

/**
 * One VEVENT as an Invite (SPEC §5). Times become UTC instants from the embedded VTIMEZONE when
 * there is one, else from the IANA zone the TZID names; a TZID nothing can resolve is reported
 * and the time kept as floating local time, never silently shifted. RRULEs are reported as
 * written, never expanded.
 */
export function veventToInvite(
  vevent: CalendarComponent,
  method: string | null,
  warnings: string[],
  rawRrule: string | null,
): Invite {
  const uid = text(vevent, 'uid');
  const label = uid ?? text(vevent, 'summary') ?? 'without UID';
  const warn = (message: string): void => {
    warnings.push(`event ${label}: ${message}`);
  };

  const start = safely(() => formatTimeProperty(vevent.getFirstProperty('dtstart'), warn), warn, 'DTSTART');
  let end = safely(() => formatTimeProperty(vevent.getFirstProperty('dtend'), warn), warn, 'DTEND');
  if (end === null && start !== null) end = safely(() => endFromDuration(vevent, warn), warn, 'DURATION');
  if (start === null && vevent.hasProperty('dtstart')) warn('DTSTART could not be read');

  const sequenceRaw = vevent.getFirstPropertyValue('sequence');
  const sequence =
    typeof sequenceRaw === 'number' ? sequenceRaw : Number.parseInt(String(sequenceRaw ?? '0'), 10) || 0;

  return {
    method,
    uid,
    sequence,
    recurrenceId: safely(
      () => formatTimeProperty(vevent.getFirstProperty('recurrence-id'), warn)?.value ?? null,
      warn,
      'RECURRENCE-ID',
    ),
    status: text(vevent, 'status')?.toUpperCase() ?? null,
    summary: text(vevent, 'summary'),
    description: text(vevent, 'description'),
    location: text(vevent, 'location'),
    url: text(vevent, 'url'),
    start: start?.value ?? null,
    end: end?.value ?? null,
    timezone: start?.timezone ?? null,
    allDay: start?.allDay ?? false,
    rrule: safely(() => recurrence(vevent, rawRrule), warn, 'RRULE'),
    exdates: safely(() => exdates(vevent, warn), warn, 'EXDATE') ?? [],
    organizer: safely(() => person(vevent.getFirstProperty('organizer')), warn, 'ORGANIZER'),
    attendees: vevent
      .getAllProperties('attendee')
      .map((p) => safely(() => attendee(p), warn, 'ATTENDEE'))
      .filter((a): a is Attendee => a !== null),
  };
}

function formatTimeProperty(prop: Property | null, warn: (m: string) => void): FormattedTime | null {
  if (prop === null) return null;
  const value = prop.getFirstValue();
  if (!(value instanceof ICAL.Time)) return null;
  return formatTime(value, tzidOf(prop), warn);
}

function tzidOf(prop: Property): string | null {
  const tzid = prop.getParameter('tzid');
  return typeof tzid === 'string' ? tzid : null;
}

function formatTime(
  time: Time,
  tzid: string | null,
  warn: (m: string) => void,
  exactSeconds = 0,
): FormattedTime {
  if (time.isDate) return { value: isoDate(time), timezone: null, allDay: true };
  const zone = time.zone;
  if (zone === ICAL.Timezone.utcTimezone)
    return { value: instant(time.toUnixTime() + exactSeconds), timezone: null, allDay: false };
  if (tzid === null) return { value: isoLocal(time), timezone: null, allDay: false };

  const iana = ianaZoneFor(tzid) ?? ianaFromVtimezone(zone);
  // ical.js attached the calendar's own VTIMEZONE when it has one: the sender's definition wins.
  const offsetAt =
    zone !== null && zone !== ICAL.Timezone.localTimezone && zone.component ? vtimezoneOffsets(zone) : null;
  const resolvedOffsetAt = offsetAt ?? (iana !== null ? ianaOffsets(iana) : null);
  if (resolvedOffsetAt !== null) {
    const ms = wallTimeToInstant(wallMs(time), resolvedOffsetAt) + exactSeconds * 1000;
    return {
      value: new Date(ms).toISOString(),
      timezone: iana !== null && !isUtcZone(iana) ? iana : null,
      allDay: false,
    };
  }
  warn(
    `time zone "${tzid}" is neither defined in the calendar nor a known IANA/Windows zone; time kept as floating local time`,
  );
  return { value: isoLocal(time), timezone: null, allDay: false };
}

function ianaOffsets(iana: string): ((ms: number) => number) | null {
  const zone = IANAZone.create(iana);
  return zone.isValid ? (ms) => zone.offset(ms) : null;
}

type IcalZone = InstanceType<typeof ICAL.Timezone>;
interface ZoneChange extends WallFields {
  readonly utcOffset: number;
}

/**
 * UTC offset of a VTIMEZONE at an instant. ical.js keeps the zone's expanded transitions in
 * `changes`, in UTC; its own wall-time lookup picks the wrong side of DST gaps and overlaps, so
 * the RFC rules are applied on top (see wall-time.ts). Expanding a zone from Outlook's 1601 start
 * is the costly part, and clients send the same few definitions again and again, so the
 * transitions are cached by the VTIMEZONE's text.
 */
function vtimezoneOffsets(zone: IcalZone): ((ms: number) => number) | null {
  const z = zone as unknown as { changes?: unknown; _ensureCoverage?: (year: number) => void };
  if (typeof z._ensureCoverage !== 'function' || !zone.component) return null;
  // ical.js hands out one Timezone object per TZID and calendar: serializing it for the text key
  // on every time property cost more than the lookup saves.
  const known = zoneByObject.get(zone);
  if (known) return known;
  const key = zone.component.toString();
  const cached = zoneCache.get(key);
  if (cached) {
    zoneByObject.set(zone, cached);
    return cached;
  }
  let transitions: { at: number; offset: number }[] = [];
  let coveredTo = Number.NEGATIVE_INFINITY;
  const offsetAt = (ms: number): number => {
    const year = new Date(ms).getUTCFullYear() + 1;
    if (year > coveredTo) {
      z._ensureCoverage?.call(zone, year);
      const changes = Array.isArray(z.changes) ? (z.changes as ZoneChange[]) : [];
      transitions = changes.map((c) => ({ at: wallMs(c), offset: c.utcOffset / 60 }));
      coveredTo = year;
    }
    // The last transition at or before `ms` (binary search; the list is in time order).
    let lo = 0;
    let hi = transitions.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((transitions[mid]?.at ?? 0) <= ms) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 ? (transitions[found]?.offset ?? 0) : 0;
  };
  if (zoneCache.size >= 256) zoneCache.delete(zoneCache.keys().next().value as string);
  zoneCache.set(key, offsetAt);
  zoneByObject.set(zone, offsetAt);
  return offsetAt;
}

const zoneCache = new Map<string, (ms: number) => number>();
const zoneByObject = new WeakMap<IcalZone, (ms: number) => number>();

const UTC_ZONE = /^(?:Etc\/)?(?:UTC|UCT|GMT0?|Universal|Zulu|Greenwich)$/i;
function isUtcZone(iana: string): boolean {
  return UTC_ZONE.test(iana);
}

function ianaFromVtimezone(zone: InstanceType<typeof ICAL.Timezone> | null): string | null {
  const location = zone?.component?.getFirstPropertyValue('x-lic-location');
  return typeof location === 'string' ? ianaZoneFor(location) : null;
}

/** RFC 5545 §3.3.6: weeks and days are nominal (wall-clock days), hours to seconds are exact. */
function endFromDuration(vevent: CalendarComponent, warn: (m: string) => void): FormattedTime | null {
  const duration = vevent.getFirstPropertyValue('duration');
  const dtstart = vevent.getFirstProperty('dtstart');
  const startTime = dtstart?.getFirstValue();
  if (!(duration instanceof ICAL.Duration) || !(startTime instanceof ICAL.Time) || dtstart === null)
    return null;
  const sign = duration.isNegative ? -1 : 1;
  const nominal = startTime.clone();
  nominal.addDuration(
    ICAL.Duration.fromData({ weeks: duration.weeks, days: duration.days, isNegative: duration.isNegative }),
  );
  const exactSeconds = sign * (duration.hours * 3600 + duration.minutes * 60 + duration.seconds);
  if (nominal.isDate || tzidOf(dtstart) === null) {
    if (!nominal.isDate) nominal.addDuration(ICAL.Duration.fromSeconds(exactSeconds));
    return formatTime(nominal, tzidOf(dtstart), warn);
  }
  return formatTime(nominal, tzidOf(dtstart), warn, exactSeconds);
}

/**
 * The RRULE as the sender wrote it (ical.js re-serializes rules in its own order and drops parts
 * such as INTERVAL=1 and WKST), but only when it is this event's rule: the written text comes
 * from a separate scan of the calendar and must agree with what ical.js parsed.
 */
function recurrence(vevent: CalendarComponent, written: string | null): string | null {
  const rule = vevent.getFirstPropertyValue('rrule');
  if (!(rule instanceof ICAL.Recur)) return null;
  const canonical = rule.toString();
  return written !== null && sameRule(written, canonical) ? written : canonical;
}

function sameRule(written: string, canonical: string): boolean {
  try {
    return ICAL.Recur.fromString(written).toString() === canonical;
  } catch {
    return false;
  }
}

function exdates(vevent: CalendarComponent, warn: (m: string) => void): string[] {
  const out: string[] = [];
  for (const prop of vevent.getAllProperties('exdate')) {
    for (const value of prop.getValues()) {
      if (value instanceof ICAL.Time) out.push(formatTime(value, tzidOf(prop), warn).value);
    }
  }
  return out;
}

function person(prop: Property | null): Person | null {
  if (prop === null) return null;
  const email = calAddress(prop.getFirstValue());
  if (email === null) return null;
  return { name: param(prop, 'cn'), email };
}

function attendee(prop: Property): Attendee | null {
  const base = person(prop);
  if (base === null) return null;
  return {
    ...base,
    role: param(prop, 'role')?.toUpperCase() ?? null,
    partstat: param(prop, 'partstat')?.toUpperCase() ?? null,
    rsvp: (param(prop, 'rsvp') ?? '').toUpperCase() === 'TRUE',
  };
}

/** `mailto:Jane@Example.COM` -> `Jane@example.com` (SPEC §5: plain address, lower-cased domain). */
export function calAddress(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const bare = value
    .trim()
    .replace(/^mailto:/i, '')
    .trim();
  const at = bare.lastIndexOf('@');
  if (bare === '') return null;
  return at > 0 ? `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}` : bare;
}

function param(prop: Property, name: string): string | null {
  const value: unknown = prop.getParameter(name);
  const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : null;
}

function text(component: CalendarComponent, name: string): string | null {
  const value = component.getFirstPropertyValue(name);
  if (value === null || value === undefined) return null;
  const s = typeof value === 'string' ? value : String(value);
  return s === '' ? null : s;
}

function safely<T>(read: () => T, warn: (m: string) => void, what: string): T | null {
  try {
    return read();
  } catch (err) {
    warn(`${what} could not be read (${describeCalendarError(err)})`);
    return null;
  }
}

function instant(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

function isoDate(time: Time): string {
  return `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}`;
}

function isoLocal(time: Time): string {
  return `${isoDate(time)}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}
