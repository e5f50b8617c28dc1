import { MailIngestError } from '../errors.js';
import type { ConfigProblem } from './yaml-source.js';

export class ConfigError extends MailIngestError {
  readonly code = 'CONFIG_INVALID';
  readonly permanent = true;

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col} ${p.message}`;
}
