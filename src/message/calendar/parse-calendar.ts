import ICAL from 'ical.js';

export type CalendarComponent = InstanceType<typeof ICAL.Component>;

/**
 * Parses iCalendar text into VCALENDAR components. When ical.js rejects the whole object (one
 * bad line is enough), the object is repaired line by line: values it rejects are mended where
 * the intent is clear (spaces in an RRULE list) and dropped otherwise, unclosed components are
 * closed, each repair noted in `warnings`. Real clients send all of these.
 */
export function parseCalendarText(text: string, warnings: string[]): CalendarComponent[] {
  return parseCalendar(text, warnings).calendars;
}

export interface ParsedCalendar {
  readonly calendars: CalendarComponent[];
  /**
   * The RRULE of each VEVENT (document order, across calendars) exactly as written: ical.js
   * re-serializes rules in its own order and drops parts such as INTERVAL=1 and WKST.
   */
  readonly rrules: readonly (string | null)[];
}

export function parseCalendar(text: string, warnings: string[]): ParsedCalendar {
  if (text.trim() === '') {
    warnings.push('calendar part is empty');
    return { calendars: [], rrules: [] };
  }
  // The text is unfolded and split into lines once; every scan below works on these lines.
  let lines = unfoldedLines(text);
  const quoted = quoteTzids(lines, warnings);
  let parsedText = quoted === lines ? text : quoted.join('\r\n');
  lines = quoted;
  let structure = scanStructure(lines);
  let jcal: unknown;
  try {
    // ical.js lets any END close whatever is open, so a stray END:VALARM silently moves the rest
    // of an event onto its calendar; such objects go through the repair as well.
    if (!structure.nested) throw new Error('BEGIN/END lines do not nest');
    jcal = ICAL.parse(parsedText);
  } catch (first) {
    lines = repair(lines, warnings);
    parsedText = lines.join('\r\n') + '\r\n';
    structure = scanStructure(lines);
    try {
      jcal = ICAL.parse(parsedText);
      warnings.push(`calendar repaired after: ${describeCalendarError(first)}`);
    } catch (err) {
      warnings.push(`calendar could not be parsed: ${describeCalendarError(err)}`);
      return { calendars: [], rrules: [] };
    }
  }
  const roots: unknown[] =
    Array.isArray(jcal) && typeof jcal[0] === 'string' ? [jcal] : Array.isArray(jcal) ? jcal : [];
  const calendars = roots
    .filter((c): c is unknown[] => Array.isArray(c) && c[0] === 'vcalendar')
    .map((c) => new ICAL.Component(c as ConstructorParameters<typeof ICAL.Component>[0]));
  if (calendars.length === 0) warnings.push('calendar part holds no VCALENDAR');
  return { calendars, rrules: structure.rrules };
}

function unfoldedLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]/g, '')
    .split('\n');
}

/** Properties whose value is a date-time (list): it never holds a ':', so the last ':' ends the parameters. */
const DATE_TIME_PROPERTY = /^(?:DTSTART|DTEND|DUE|RECURRENCE-ID|EXDATE|RDATE)[;:]/i;

/**
 * A TZID must be quoted when it holds a ':' (RFC 5545 3.2), and some exporters write Windows
 * display names such as "(UTC+01:00) Amsterdam, Berlin" without the quotes. ical.js then splits
 * the line at the wrong ':' and the time is lost; quoted, the name resolves like any other.
 */
function quoteTzids(lines: string[], warnings: string[]): string[] {
  let quoted = 0;
  const out = lines.map((line) => {
    if (!DATE_TIME_PROPERTY.test(line)) return line;
    const valueAt = line.lastIndexOf(':');
    const tzAt = line.slice(0, valueAt).search(/;TZID=/i);
    if (tzAt < 0) return line;
    const from = tzAt + ';TZID='.length;
    const semicolon = line.indexOf(';', from);
    const to = semicolon >= 0 && semicolon < valueAt ? semicolon : valueAt;
    const tzid = line.slice(from, to);
    if (tzid.startsWith('"') || !tzid.includes(':')) return line;
    quoted++;
    return `${line.slice(0, from)}"${tzid}"${line.slice(to)}`;
  });
  if (quoted === 0) return lines;
  warnings.push(`calendar: ${quoted} TZID value(s) holding ':' were not quoted; quoted them`);
  return out;
}

const MARKER = /^(BEGIN|END):(.+)$/i;

/**
 * One pass over the lines: whether BEGIN/END nest, and the RRULE of each VEVENT directly inside
 * a VCALENDAR, in document order, as written (ical.js re-serializes rules; see invite.ts).
 */
function scanStructure(lines: readonly string[]): { nested: boolean; rrules: (string | null)[] } {
  const rrules: (string | null)[] = [];
  const stack: string[] = [];
  let nested = true;
  for (const line of lines) {
    const marker = MARKER.exec(line.trim());
    if (marker) {
      const name = (marker[2] ?? '').trim().toUpperCase();
      if ((marker[1] ?? '').toUpperCase() === 'BEGIN') {
        stack.push(name);
        if (name === 'VEVENT' && stack.length === 2 && stack[0] === 'VCALENDAR') rrules.push(null);
      } else if (stack.pop() !== name) {
        nested = false;
      }
      continue;
    }
    const rule = /^RRULE(?:;[^:]*)?:(.*)$/i.exec(line);
    if (rule && stack.length === 2 && stack[1] === 'VEVENT' && rrules.length > 0 && rrules.at(-1) === null) {
      rrules[rrules.length - 1] = (rule[1] ?? '').trim();
    }
  }
  return { nested: nested && stack.length === 0, rrules };
}

const MAX_REPAIR_WARNINGS = 10;

function repair(lines: readonly string[], warnings: string[]): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  let dropped = 0;
  const note = (message: string): void => {
    dropped++;
    if (dropped <= MAX_REPAIR_WARNINGS) warnings.push(message);
  };
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const marker = MARKER.exec(line.trim());
    if (marker) {
      const name = (marker[2] ?? '').trim().toUpperCase();
      if ((marker[1] ?? '').toUpperCase() === 'BEGIN') {
        stack.push(name);
        out.push(`BEGIN:${name}`);
      } else if (stack.includes(name)) {
        while (stack.length > 0) {
          const open = stack.pop();
          out.push(`END:${open}`);
          if (open === name) break;
        }
      } else {
        note(`calendar line ${index + 1}: END:${name} without BEGIN dropped`);
      }
      continue;
    }
    if (stack.length === 0) {
      // A property belongs to a component; outside one, ical.js fails on it without saying why.
      note(`calendar line ${index + 1} outside any component dropped: ${line.slice(0, 60)}`);
      continue;
    }
    const mended = mendProperty(line);
    if (mended !== null) out.push(mended);
    else note(`calendar line ${index + 1} dropped as malformed: ${line.slice(0, 60)}`);
  }
  while (stack.length > 0) {
    const open = stack.pop();
    note(`calendar component ${open} was not closed`);
    out.push(`END:${open}`);
  }
  if (dropped > MAX_REPAIR_WARNINGS)
    warnings.push(`${dropped - MAX_REPAIR_WARNINGS} more calendar lines repaired or dropped`);
  return out;
}

function mendProperty(line: string): string | null {
  if (parsesAsProperty(line)) return line;
  // Exchange CDO writes BYDAY lists as "MO, TU, WE": the meaning is plain, only the spaces are wrong.
  if (/^(RRULE|EXRULE)[;:]/i.test(line)) {
    const squeezed = line.replace(/\s+/g, '');
    if (parsesAsProperty(squeezed)) return squeezed;
  }
  return null;
}

function parsesAsProperty(line: string): boolean {
  try {
    ICAL.parse.property(line);
    return true;
  } catch {
    return false;
  }
}

/**
 * What went wrong, for a warning. ical.js reports bad input with its own errors; a TypeError or
 * RangeError is ical.js tripping over input it did not expect ("Cannot read properties of
 * undefined"), which says nothing to a reader of the warning.
 */
export function describeCalendarError(err: unknown): string {
  if (err instanceof TypeError || err instanceof RangeError)
    return 'structure the iCalendar parser cannot follow';
  return err instanceof Error ? err.message : String(err);
}
