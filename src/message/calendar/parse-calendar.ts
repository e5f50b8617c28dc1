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
  let parsedText = text;
  let jcal: unknown;
  try {
    // ical.js lets any END close whatever is open, so a stray END:VALARM silently moves the rest
    // of an event onto its calendar; such objects go through the repair as well.
    if (!wellNested(text)) throw new Error('BEGIN/END lines do not nest');
    jcal = ICAL.parse(text);
  } catch (first) {
    parsedText = repair(text, warnings);
    try {
      jcal = ICAL.parse(parsedText);
      warnings.push(`calendar repaired after: ${describe(first)}`);
    } catch (err) {
      warnings.push(`calendar could not be parsed: ${describe(err)}`);
      return { calendars: [], rrules: [] };
    }
  }
  const roots: unknown[] =
    Array.isArray(jcal) && typeof jcal[0] === 'string' ? [jcal] : Array.isArray(jcal) ? jcal : [];
  const calendars = roots
    .filter((c): c is unknown[] => Array.isArray(c) && c[0] === 'vcalendar')
    .map((c) => new ICAL.Component(c as ConstructorParameters<typeof ICAL.Component>[0]));
  if (calendars.length === 0) warnings.push('calendar part holds no VCALENDAR');
  return { calendars, rrules: rawRrules(parsedText) };
}

function unfoldedLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]/g, '')
    .split('\n');
}

function wellNested(text: string): boolean {
  const stack: string[] = [];
  for (const line of unfoldedLines(text)) {
    const marker = /^(BEGIN|END):(.+)$/i.exec(line.trim());
    if (!marker) continue;
    const name = (marker[2] ?? '').trim().toUpperCase();
    if ((marker[1] ?? '').toUpperCase() === 'BEGIN') stack.push(name);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0;
}

/** RRULE values of VEVENTs directly inside a VCALENDAR, in document order. */
function rawRrules(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const stack: string[] = [];
  for (const line of unfoldedLines(text)) {
    const marker = /^(BEGIN|END):(.+)$/i.exec(line.trim());
    if (marker) {
      const name = (marker[2] ?? '').trim().toUpperCase();
      if ((marker[1] ?? '').toUpperCase() === 'BEGIN') {
        stack.push(name);
        if (name === 'VEVENT' && stack.length === 2 && stack[0] === 'VCALENDAR') out.push(null);
      } else {
        stack.pop();
      }
      continue;
    }
    const rule = /^RRULE(?:;[^:]*)?:(.*)$/i.exec(line);
    if (
      rule &&
      stack.length === 2 &&
      stack[1] === 'VEVENT' &&
      out.length > 0 &&
      out[out.length - 1] === null
    ) {
      out[out.length - 1] = (rule[1] ?? '').trim();
    }
  }
  return out;
}

const MAX_REPAIR_WARNINGS = 10;

function repair(text: string, warnings: string[]): string {
  const lines = unfoldedLines(text);
  const out: string[] = [];
  const stack: string[] = [];
  let dropped = 0;
  const note = (message: string): void => {
    dropped++;
    if (dropped <= MAX_REPAIR_WARNINGS) warnings.push(message);
  };
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const marker = /^(BEGIN|END):(.+)$/i.exec(line.trim());
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
  return out.join('\r\n') + '\r\n';
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

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
