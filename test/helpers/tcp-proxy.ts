/**
 * A TCP proxy on loopback between the daemon and a server, which can be told to stall: it then
 * keeps every connection open but forwards nothing in either direction (a dead NAT entry, a hung
 * middlebox), so only timeouts can detect it. It can also drop a connection in the middle of a
 * server's answer (a reset during a download).
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  stall(): void;
  resume(): void;
  /** Once `bytes` more have come from the server on one connection, drop it (both ends), once. */
  cutAfter(bytes: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let stalled = false;
  let cutAt: number | null = null;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const forward = (from: net.Socket, to: net.Socket, count: boolean): void => {
      from.on('data', (chunk: Buffer) => {
        if (stalled) return;
        if (count && cutAt !== null) {
          cutAt -= chunk.length;
          if (cutAt <= 0) {
            cutAt = null;
            end();
            return;
          }
        }
        to.write(chunk);
      });
    };
    forward(client, upstream, false);
    forward(upstream, client, true);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
    },
    cutAfter: (bytes: number) => {
      cutAt = bytes;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
