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
