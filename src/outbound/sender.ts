import type { OutgoingMessage } from './job.js';

export interface SendResult {
  /** The server's reply code: SMTP 250, HTTP 202, ... */
  readonly replyCode: number | null;
  /** The server's reply text, secrets removed. */
  readonly response: string;
  readonly messageId: string;
}

/** One transport (SMTP or SendGrid) for one sending identity. */
export interface MailSender {
  readonly transport: 'smtp' | 'sendgrid';
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
}
