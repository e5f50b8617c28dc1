/** What a command may touch of the process; passed in so commands stay testable (STYLE 6). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Exit codes (SPEC §2): 0 ok, 1 failure / bad input, 2 invalid config or usage. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
