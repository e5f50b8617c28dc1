import ICAL from 'ical.js';
import { DateTime } from 'luxon';

import type { Attendee, Invite, Person } from '../types.js';
import type { CalendarComponent } from './parse-calendar.js';
import { ianaZoneFor } from './timezone.js';

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
export function veventToInvite(vevent: CalendarComponent, method: string | null, warnings: string[]): Invite {
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
  const sequence = typeof sequenceRaw === 'number' ? sequenceRaw : Number.parseInt(String(sequenceRaw ?? '0'), 10) || 0;

  return {
    method,
    uid,
    sequence,
    recurrenceId: safely(() => formatTimeProperty(vevent.getFirstProperty('recurrence-id'), warn)?.value ?? null, warn, 'RECURRENCE-ID'),
    status: text(vevent, 'status')?.toUpperCase() ?? null,
    summary: text(vevent, 'summary'),
    description: text(vevent, 'description'),
    location: text(vevent, 'location'),
    url: text(vevent, 'url'),
    start: start?.value ?? null,
    end: end?.value ?? null,
    timezone: start?.timezone ?? null,
    allDay: start?.allDay ?? false,
    rrule: safely(() => recurrence(vevent), warn, 'RRULE'),
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

function formatTime(time: Time, tzid: string | null, warn: (m: string) => void): FormattedTime {
  if (time.isDate) return { value: isoDate(time), timezone: null, allDay: true };
  const zone = time.zone;
  if (zone === ICAL.Timezone.utcTimezone) return { value: instant(time.toUnixTime()), timezone: null, allDay: false };
  if (tzid === null) return { value: isoLocal(time), timezone: null, allDay: false };

  const iana = ianaZoneFor(tzid) ?? ianaFromVtimezone(zone);
  // ical.js attached the calendar's own VTIMEZONE when it has one: the sender's definition wins.
  if (zone !== null && zone !== ICAL.Timezone.localTimezone && zone.component) {
    return { value: instant(time.toUnixTime()), timezone: iana, allDay: false };
  }
  if (iana !== null) {
    const local = DateTime.fromObject(
      { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second },
      { zone: iana },
    );
    if (local.isValid) return { value: local.toUTC().toJSDate().toISOString(), timezone: iana, allDay: false };
  }
  warn(`time zone "${tzid}" is neither defined in the calendar nor a known IANA/Windows zone; time kept as floating local time`);
  return { value: isoLocal(time), timezone: null, allDay: false };
}

function ianaFromVtimezone(zone: InstanceType<typeof ICAL.Timezone> | null): string | null {
  const location = zone?.component?.getFirstPropertyValue('x-lic-location');
  return typeof location === 'string' ? ianaZoneFor(location) : null;
}

function endFromDuration(vevent: CalendarComponent, warn: (m: string) => void): FormattedTime | null {
  const duration = vevent.getFirstPropertyValue('duration');
  const dtstart = vevent.getFirstProperty('dtstart');
  const startTime = dtstart?.getFirstValue();
  if (!(duration instanceof ICAL.Duration) || !(startTime instanceof ICAL.Time) || dtstart === null) return null;
  const endTime = startTime.clone();
  endTime.addDuration(duration);
  return formatTime(endTime, tzidOf(dtstart), warn);
}

function recurrence(vevent: CalendarComponent): string | null {
  const rule = vevent.getFirstPropertyValue('rrule');
  return rule instanceof ICAL.Recur ? rule.toString() : null;
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
  const bare = value.trim().replace(/^mailto:/i, '').trim();
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
    warn(`${what} could not be read (${err instanceof Error ? err.message : String(err)})`);
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
