import { runDemo } from '../demo/run-demo.js';
import type { CliIo, ExitCode } from './io.js';
import { EXIT } from './io.js';

/** `mail-ingest demo` (SPEC §2): exit 0 when the demo ran end to end. */
export async function demoCommand(io: CliIo): Promise<ExitCode> {
  try {
    await runDemo(io.stdout);
    return EXIT.ok;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`mail-ingest demo: ${message.split('\n')[0] ?? ''}\n`);
    return EXIT.failed;
  }
}
