import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential read from the config. It prints as `[redacted]` through JSON, `util.inspect`,
 * template strings and pino, so that logging a config object or an error that holds one can
 * never leak it; only `reveal()` hands out the value, at the moment it is sent to a server.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
