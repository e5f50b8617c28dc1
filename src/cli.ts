#!/usr/bin/env node
import { Command, CommanderError } from 'commander';

import { checkConfigCommand } from './cli/check-config.js';
import { CliUsageError } from './cli/errors.js';
import type { CliIo, ExitCode } from './cli/io.js';
import type { Signals } from './cli/run.js';
import { EXIT } from './cli/io.js';
import { ConfigError, formatProblem } from './config/errors.js';
import { loadConfig, resolveConfigPath } from './config/load.js';
import { configJsonSchema } from './config/schema.js';

/**
 * Entry point and composition root: parses the command line, runs one command, turns its result
 * into the exit code. The only module that touches `process` (STYLE 6).
 */
async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exit: ExitCode = EXIT.ok;
  const program = new Command('mail-ingest')
    .description('Multi-tenant mail-ingest daemon: IMAP inboxes -> plus-address routing -> BullMQ queues')
    .option('-c, --config <path>', 'config file (default: $MAIL_INGEST_CONFIG, else config/mail-ingest.yaml)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);

  const configPath = (): string => resolveConfigPath(program.opts<{ config?: string }>().config, io.env);

  program
    .command('check-config')
    .description('validate the config file; every problem as FILE:LINE:COL message (exit 0 valid, 2 invalid)')
    .option('-c, --config <path>', 'config file')
    .action((opts: { config?: string }) => {
      exit = checkConfigCommand(opts.config ?? configPath(), io);
    });

  program
    .command('inspect')
    .description('parse one message offline and print the routing decision and the exact jobs it would yield')
    .argument('<file>', 'an RFC 5322 message (.eml)')
    .option('-t, --tenant <id>', 'tenant whose rules apply (optional with one tenant)')
    .option('-c, --config <path>', 'config file')
    .action(async (file: string, opts: { tenant?: string; config?: string }) => {
      const config = loadConfig(opts.config ?? configPath(), io.env);
      // Loaded on demand: the pipeline (mailparser, ical.js) is most of the start-up time.
      const { inspectCommand } = await import('./cli/inspect.js');
      exit = await inspectCommand(file, config, opts.tenant, io);
    });

  program
    .command('run')
    .description('the daemon: watch every tenant mailbox and enqueue its mail, until SIGTERM/SIGINT')
    .option('-c, --config <path>', 'config file')
    .action(async (opts: { config?: string }) => {
      const config = loadConfig(opts.config ?? configPath(), io.env);
      const { runCommand } = await import('./cli/run.js');
      exit = await runCommand(config, processSignals);
    });

  program
    .command('validate')
    .description(
      '"Validate email config": IMAP login + folder status, then a test mail from the assistant to itself',
    )
    .option('-t, --tenant <id>', 'only this tenant')
    .option('--json', 'one JSON document instead of a table')
    .option('--wait-delivery', 'also wait (bounded) until the test mail shows up in the mailbox')
    .option('--wait-timeout <seconds>', 'how long --wait-delivery waits', '120')
    .option('-c, --config <path>', 'config file')
    .action(
      async (opts: {
        tenant?: string;
        json?: boolean;
        waitDelivery?: boolean;
        waitTimeout: string;
        config?: string;
      }) => {
        const config = loadConfig(opts.config ?? configPath(), io.env);
        const { validateCommand } = await import('./cli/validate.js');
        exit = await validateCommand(
          config,
          {
            tenant: opts.tenant,
            json: opts.json,
            waitDelivery: opts.waitDelivery,
            waitTimeoutMs: Math.max(1, Number(opts.waitTimeout) || 120) * 1000,
          },
          io,
        );
      },
    );

  program
    .command('demo')
    .description(
      'the embedded default: throwaway Dovecot + Redis, sample mail, the daemon until drained, a summary',
    )
    .action(async () => {
      const { demoCommand } = await import('./cli/demo.js');
      exit = await demoCommand(io);
    });

  program
    .command('config-schema', { hidden: true })
    .description('print the JSON Schema of the config file')
    .action(() => {
      io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: CliIo): ExitCode {
  if (err instanceof CommanderError) {
    // Commander already printed its one-line message; --help and --version end here too.
    return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
  }
  if (err instanceof ConfigError) {
    for (const problem of err.problems) io.stderr(`${formatProblem(problem)}\n`);
    return EXIT.invalid;
  }
  if (err instanceof CliUsageError) {
    io.stderr(`mail-ingest: ${err.message}\n`);
    return EXIT.invalid;
  }
  // Anything else is a bug: one line for the operator, no stack trace, no secret.
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`mail-ingest: unexpected error: ${message.split('\n')[0] ?? ''}\n`);
  return EXIT.failed;
}

const processSignals: Signals = {
  on(handler) {
    process.on('SIGTERM', () => handler('SIGTERM'));
    process.on('SIGINT', () => handler('SIGINT'));
  },
  exitNow(code) {
    process.exit(code);
  },
};

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mail-ingest: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
