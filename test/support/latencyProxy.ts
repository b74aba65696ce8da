// A TCP proxy that models a remote server: every chunk is forwarded after `oneWayMs` in each direction
// (so one round trip costs 2 x oneWayMs more), in order per direction. There is no netem on the machines we
// test on; this puts the distance between whalefall and the local MariaDB or PostgreSQL.
import net from 'node:net';

export interface LatencyProxy {
  readonly port: number;
  readonly host: '127.0.0.1';
  close(): Promise<void>;
}

/** Forwards `from` to `to`, each chunk `delayMs` later than it arrived, never reordering. */
function delayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  let last = 0;
  from.on('data', (chunk) => {
    // A later chunk never leaves before an earlier one, even if timers fire late.
    const at = Math.max(Date.now() + delayMs, last);
    last = at;
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, at - Date.now());
  });
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - Date.now()) + 1));
  from.on('error', () => to.destroy());
}

export async function startLatencyProxy(
  target: { host: string; port: number },
  oneWayMs: number,
): Promise<LatencyProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.setNoDelay(true);
    }
    delayed(client, upstream, oneWayMs);
    delayed(upstream, client, oneWayMs);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    host: '127.0.0.1',
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
