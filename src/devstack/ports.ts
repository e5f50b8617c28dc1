import { once } from 'node:events';
import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it for a listener on
 * port 0, which is closed again. Another process may take it before the caller binds it, so
 * servers that fail with "address in use" are restarted on fresh ports (see dovecot.ts).
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('listener has no TCP port');
  return address.port;
}

/** `count` distinct free ports (held open together, so the kernel cannot hand one out twice). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  try {
    for (const server of servers) {
      server.listen(0, LOOPBACK);
      await once(server, 'listening');
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('listener has no TCP port');
      return address.port;
    });
  } finally {
    await Promise.all(
      servers.map(async (server) => {
        if (!server.listening) return;
        server.close();
        await once(server, 'close');
      }),
    );
  }
}

/**
 * Starts a server on ports picked by `start` itself, again on fresh ones when they were taken
 * meanwhile (`portTaken` says so), at most `attempts` times; any other failure ends it at once.
 */
export async function startOnFreePorts<T>(
  attempts: number,
  start: () => Promise<T>,
  portTaken: (err: unknown) => boolean,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await start();
    } catch (err) {
      lastError = err;
      if (!portTaken(err)) break;
    }
  }
  throw lastError;
}
