import { MailIngestError } from '../errors.js';

/** Wrong arguments: printed as one line, exit 2. */
export class CliUsageError extends MailIngestError {
  readonly code = 'CLI_USAGE';
  readonly permanent = true;
}
