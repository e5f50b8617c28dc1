/**
 * Server processes of the test stack, and the guarantee that none outlives the test run.
 *
 * Each server is spawned detached, so it leads its own process group: `stop()` signals the
 * server and everything it forked (Dovecot's master forks a dozen service processes), and
 * waits until the whole group is gone. Three nets catch servers a test forgot to stop:
 * - a process 'exit' hook SIGKILLs every group still running when the test process exits
 *   (also on SIGTERM, SIGINT and SIGHUP, which skip 'exit');
 * - where util-linux `setpriv` exists, the server runs with PR_SET_PDEATHSIG=SIGKILL, so it also
 *   dies when the test process is killed outright (no 'exit' hook runs then); Dovecot's own
 *   children exit by themselves once their master is gone;
 * - `leftoverProcesses()` lists anything still alive, for an afterAll assertion.
 * The exit hook also removes the temp dirs of servers that were never stopped.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

import { sleep } from './wait-for.js';

const SETPRIV = '/usr/bin/setpriv';
/** How much of the server's stdout/stderr is kept for error messages. */
const OUTPUT_TAIL_BYTES = 16 * 1024;
const DEFAULT_GRACE_MS = 5_000;
/** After SIGKILL the kernel needs a moment to tear processes down; past this, report a leftover. */
const KILL_SETTLE_MS = 2_000;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** First signal sent to the process group; default SIGTERM. */
  signal?: NodeJS.Signals;
  /** How long the group may take to exit before it gets SIGKILL; default 5000. */
  graceMs?: number;
}

export interface ServerProcess {
  readonly name: string;
  /** Also the process group id: the server leads its group. */
  readonly pid: number;
  /** Resolves (never rejects) when the server process itself has exited. */
  readonly exited: Promise<ExitStatus>;
  /** undefined while running. */
  exitStatus(): ExitStatus | undefined;
  /** The last bytes the server wrote to stdout and stderr. */
  output(): string;
  /**
   * Signals the whole process group, waits for every member to exit, SIGKILLs after the grace
   * period. Idempotent; resolves once no process of the group is left.
   */
  stop(options?: StopOptions): Promise<void>;
}

export interface LeftoverProcess {
  server: string;
  pid: number;
}

/** Process groups started here that have not been seen empty yet. */
const groups = new Map<number, string>();
/** Temp dirs of servers not stopped yet. */
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanUpNow);
  // A signal ends the process without 'exit' (vitest ends its fork workers with SIGTERM): clean
  // up, then, unless someone else handles the signal, die of it as if nobody had listened.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUpNow();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Synchronous by necessity: nothing asynchronous runs in an 'exit' listener. */
function cleanUpNow(): void {
  for (const pgid of groups.keys()) killGroup(pgid, 'SIGKILL');
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: the process is ending anyway
    }
  }
}

/**
 * Removes `dir` when the test process exits without the server having been stopped.
 * Returns the function that cancels this (call it once the server removed the dir itself).
 */
export function removeOnExit(dir: string): () => void {
  installExitHook();
  tempDirs.add(dir);
  return () => {
    tempDirs.delete(dir);
  };
}

const withPdeathsig = ((): boolean => {
  try {
    accessSync(SETPRIV, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();

export async function spawnServer(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<ServerProcess> {
  installExitHook();
  const [file, argv] = withPdeathsig
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, [...args]];
  const child = spawn(file, argv, {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  try {
    await once(child, 'spawn');
  } catch (err) {
    throw new Error(`${name}: could not start ${command}`, { cause: err });
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: spawned without a pid`);
  groups.set(pid, name);

  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });
  // A server the test forgot to stop must not keep the test process alive: the exit hook
  // (and pdeathsig) take it down when the process ends.
  unrefChild(child);

  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    exited,
    exitStatus: () => status,
    output: () => tail,
    stop(stopOptions) {
      stopping ??= stopGroup(name, pid, exited, stopOptions);
      return stopping;
    },
  };
}

function unrefChild(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    (stream as { unref?: () => void } | null)?.unref?.();
  }
}

async function stopGroup(
  name: string,
  pgid: number,
  exited: Promise<ExitStatus>,
  { signal = 'SIGTERM', graceMs = DEFAULT_GRACE_MS }: StopOptions = {},
): Promise<void> {
  killGroup(pgid, signal);
  let members = await waitForEmptyGroup(pgid, exited, graceMs);
  if (members.length > 0) {
    killGroup(pgid, 'SIGKILL');
    members = await waitForEmptyGroup(pgid, exited, KILL_SETTLE_MS);
  }
  if (members.length > 0) {
    throw new Error(`${name}: processes ${members.join(', ')} still alive after SIGKILL`);
  }
  groups.delete(pgid);
}

async function waitForEmptyGroup(
  pgid: number,
  exited: Promise<ExitStatus>,
  timeoutMs: number,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  // The leader is our child: only its 'exit' event says it has been reaped.
  let leaderGone = false;
  void exited.then(() => {
    leaderGone = true;
  });
  for (;;) {
    const members = groupMembers(pgid);
    if (leaderGone && members.length === 0) return [];
    if (Date.now() >= deadline) return members.length > 0 ? members : [pgid];
    await sleep(20);
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
}

/** Every live (not zombie) process, from /proc; undefined where there is no /proc. */
function liveProcesses(): ProcStat[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const processes: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z') continue; // exited, waiting to be reaped by init
    processes.push({ pid: Number(entry), ppid: Number(ppid), pgrp: Number(pgrp) });
  }
  return processes;
}

/** Live members of a process group; where there is no /proc, kill(-pgid, 0) decides. */
function groupMembers(pgid: number): number[] {
  const processes = liveProcesses();
  if (processes === undefined) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  return processes.filter((p) => p.pgrp === pgid).map((p) => p.pid);
}

/**
 * Pids of this process's live child processes, whoever started them (Linux only: [] without
 * /proc). A check that does not rely on the bookkeeping of this module.
 */
export function liveChildProcesses(): number[] {
  return (liveProcesses() ?? []).filter((p) => p.ppid === process.pid).map((p) => p.pid);
}

/** Every process of every server started by this test process that is still alive. */
export function leftoverProcesses(): LeftoverProcess[] {
  const left: LeftoverProcess[] = [];
  for (const [pgid, server] of groups) {
    for (const pid of groupMembers(pgid)) left.push({ server, pid });
  }
  return left;
}
