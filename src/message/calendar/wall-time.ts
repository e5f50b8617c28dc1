/**
 * Local wall time -> UTC instant under RFC 5545 §3.3.5: a time that falls in a DST gap is read
 * with the offset in force before the gap; a time that occurs twice (the autumn overlap) means
 * its first occurrence. `offsetAt` gives a zone's UTC offset in minutes at an instant.
 */
export function wallTimeToInstant(wallMs: number, offsetAt: (instantMs: number) => number): number {
  const DAY = 86_400_000;
  const before = offsetAt(wallMs - DAY);
  const after = offsetAt(wallMs + DAY);
  const valid = [...new Set([before, after])]
    .map((offset) => ({ offset, instant: wallMs - offset * 60_000 }))
    .filter((c) => offsetAt(c.instant) === c.offset)
    .map((c) => c.instant);
  if (valid.length === 0) return wallMs - before * 60_000;
  return Math.min(...valid);
}

export interface WallFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Fields of a wall time as milliseconds "as if UTC", the form wallTimeToInstant takes. */
export function wallMs(t: WallFields): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}
