import { MailIngestError } from '../errors.js';

/** Redis refused or lost a write: nothing of the batch counts as recorded; retry later. */
export class QueueWriteError extends MailIngestError {
  readonly code = 'QUEUE_WRITE_FAILED';
  readonly permanent = false;
}
