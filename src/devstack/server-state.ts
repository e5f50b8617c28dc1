import type { ServerProcess } from './processes.js';
import { sleep } from './wait-for.js';

/**
 * Lifecycle shared by the throwaway servers (Dovecot, Redis):
 *
 *   running -> restarting -> running | down ; down -> restarting ; running | down -> stopping -> stopped
 */
export type ServerState = 'running' | 'restarting' | 'down' | 'stopping' | 'stopped';

const TRANSITIONS: Record<ServerState, readonly ServerState[]> = {
  running: ['restarting', 'stopping'],
  restarting: ['running', 'down'],
  down: ['restarting', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** The next state, or a thrown error for an illegal transition. */
export function nextServerState(server: string, from: ServerState, to: ServerState): ServerState {
  if (!TRANSITIONS[from].includes(to)) throw new Error(`${server}: cannot go from ${from} to ${to}`);
  return to;
}

/**
 * The process behind a throwaway server, through that lifecycle: restart (optionally staying
 * down a while, for outage tests) and an idempotent stop that waits for a restart in progress,
 * so the process it stops is the current one, then runs the server's own clean-up.
 */
export class ServerLifecycle {
  #state: ServerState = 'running';
  #stopping: Promise<void> | undefined;
  #restarting: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private proc: ServerProcess,
    private readonly launch: () => Promise<ServerProcess>,
    private readonly cleanUp: () => Promise<void>,
  ) {}

  get state(): ServerState {
    return this.#state;
  }

  get process(): ServerProcess {
    return this.proc;
  }

  async restart(downMs = 0): Promise<void> {
    this.#setState('restarting');
    this.#restarting = this.#relaunch(downMs);
    await this.#restarting;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#teardown();
    return this.#stopping;
  }

  #setState(next: ServerState): void {
    this.#state = nextServerState(this.name, this.#state, next);
  }

  async #relaunch(downMs: number): Promise<void> {
    try {
      await this.proc.stop();
      if (downMs > 0) await sleep(downMs);
      this.proc = await this.launch();
    } catch (err) {
      this.#setState('down');
      throw err;
    }
    this.#setState('running');
  }

  async #teardown(): Promise<void> {
    await this.#restarting?.catch(() => undefined);
    this.#setState('stopping');
    const errors: unknown[] = [];
    await this.proc.stop().catch((err: unknown) => errors.push(err));
    await this.cleanUp().catch((err: unknown) => errors.push(err));
    this.#setState('stopped');
    if (errors.length > 0) throw new AggregateError(errors, `stopping the ${this.name} failed`);
  }
}
