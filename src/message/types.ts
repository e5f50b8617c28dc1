/**
 * The job contract (SPEC §5): what consumers of the workspace, unrouted and dead-letter queues
 * receive. `schema` is versioned; every key is present, `null` where absent.
 */
export const PAYLOAD_SCHEMA = 'mail-ingest.email/v1';

export interface Address {
  name: string;
  address: string;
}

export interface Recipient {
  address: string;
  /** Lower-case header name, `received` for a `Received: ... for <addr>` clause. */
  header: string;
}

export interface MessageSource {
  user: string;
  folder: string;
  uidValidity: number;
  uid: number;
  size: number;
  /** ISO 8601 */
  internalDate: string;
}

export interface AttachmentInfo {
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  contentId: string | null;
  inline: boolean;
  /** base64, only when size <= inlineAttachmentBytes and the job's inlineTotalBytes has room */
  content: string | null;
}

export interface Person {
  name: string | null;
  email: string;
}

export interface Attendee extends Person {
  role: string | null;
  partstat: string | null;
  rsvp: boolean;
}

export interface Invite {
  method: string | null;
  /** null only when the VEVENT has no UID (some Exchange/OWA exports). */
  uid: string | null;
  sequence: number;
  recurrenceId: string | null;
  status: string | null;
  summary: string | null;
  description: string | null;
  location: string | null;
  url: string | null;
  /**
   * Timed: UTC instant ("2026-12-10T15:00:00.000Z"). All-day: "2026-12-10". Floating (no zone,
   * or a zone that could not be resolved, with a warning): local time without offset
   * ("2026-12-10T15:00:00"). null only when the VEVENT has no usable DTSTART (e.g. iTIP REFRESH).
   */
  start: string | null;
  end: string | null;
  timezone: string | null;
  allDay: boolean;
  rrule: string | null;
  exdates: string[];
  organizer: Person | null;
  attendees: Attendee[];
}

export type AutoSubmittedKind = 'auto-replied' | 'auto-generated' | 'bounce' | 'list';

export interface EmailPayload {
  schema: typeof PAYLOAD_SCHEMA;
  tenant: string;
  workspace: string | null;
  alias: string | null;
  recipient: Recipient | null;
  source: MessageSource;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  date: string | null;
  subject: string;
  from: Address[];
  to: Address[];
  cc: Address[];
  replyTo: Address[];
  text: string | null;
  html: string | null;
  truncated: boolean;
  attachments: AttachmentInfo[];
  invites: Invite[];
  autoSubmitted: AutoSubmittedKind | null;
  warnings: string[];
  /** Only on unrouted and dead-letter jobs: why the message landed there. */
  reason?: string;
}
