/**
 * Errors by code, never by message text (STYLE 2). Callers branch on `code` or on the class,
 * which says what to do next: `permanent` errors dead-letter a message or fail a job for good,
 * transient ones back off and retry.
 */
export abstract class MailIngestError extends Error {
  abstract readonly code: string;
  /** true: retrying cannot help (bad input, bad config); false: back off and retry. */
  abstract readonly permanent: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Coerce anything thrown into an Error once, at the catch site. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(`non-error thrown: ${JSON.stringify(value)}`);
  } catch {
    return new Error('non-error thrown');
  }
}
