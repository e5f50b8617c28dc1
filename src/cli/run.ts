import type { CompiledConfig } from '../config/types.js';
import { toError } from '../errors.js';
import { Daemon } from '../ingest/daemon.js';
import { createLogger } from '../observability/logger.js';
import type { ExitCode } from './io.js';
import { EXIT } from './io.js';

/** How the composition root hands signals to a long-running command (STYLE 6). */
export interface Signals {
  /** Calls `handler` for every SIGTERM / SIGINT. */
  on(handler: (signal: string) => void): void;
  /** Ends the process now (second signal). */
  exitNow(code: number): never;
}

/**
 * `mail-ingest run`: the daemon until SIGTERM/SIGINT. The first signal drains (stop fetching,
 * finish in-flight messages, log out, close Redis) and exits 0; a second one exits at once.
 */
export async function runCommand(config: CompiledConfig, signals: Signals): Promise<ExitCode> {
  const log = createLogger(config.log);
  const daemon = new Daemon(config, log);
  try {
    await daemon.start();
  } catch (err) {
    log.fatal({ err: toError(err) }, 'start-up failed');
    await daemon.stop().catch(() => undefined);
    log.flush();
    return EXIT.failed;
  }
  const code = await new Promise<ExitCode>((resolve) => {
    let received = 0;
    signals.on((signal) => {
      received++;
      if (received > 1) {
        log.warn({ signal }, 'second signal: exiting now');
        daemon.abort();
        log.flush();
        signals.exitNow(130);
      }
      log.info({ signal }, 'shutting down: finishing in-flight messages');
      daemon.stop().then(
        () => resolve(EXIT.ok),
        (err: unknown) => {
          log.error({ err: toError(err) }, 'shutdown finished with errors');
          resolve(EXIT.ok);
        },
      );
    });
  });
  log.flush();
  return code;
}
