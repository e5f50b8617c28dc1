import { ConfigError, formatProblem } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { CliIo, ExitCode } from './io.js';
import { EXIT } from './io.js';

/** `mail-ingest check-config`: every problem as `FILE:LINE:COL message`; exit 0 valid, 2 invalid. */
export function checkConfigCommand(configPath: string, io: CliIo): ExitCode {
  try {
    const config = loadConfig(configPath, io.env);
    const ids = config.tenants.map((t) => t.id).join(', ');
    io.stdout(
      `${configPath}: ok (${config.tenants.length} tenant${config.tenants.length === 1 ? '' : 's'}: ${ids})\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) io.stdout(`${formatProblem(problem)}\n`);
    io.stderr(`${configPath}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
    return EXIT.invalid;
  }
}
