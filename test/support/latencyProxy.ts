// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction (server to client and
// client to server), as the network to a remote server would: the model of remote servers for the
// benchmarks and tests, since this machine has no netem. Each direction keeps its bytes in order (one FIFO per
// direction, a chunk leaves no earlier than `delayMs` after it arrived and never before the chunk ahead of
// it); the end of a side is passed on after the bytes ahead of it.
import net from 'node:net';

export interface LatencyProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  readonly host: '127.0.0.1';
  /** Connections accepted so far. */
  readonly connections: number;
  /** Chunks forwarded so far from the clients to the server (about one per request on a MySQL connection). */
  readonly chunksUp: number;
  close(): Promise<void>;
}

/** One direction of a connection: chunks (or the end, as null) leave `delayMs` after they arrived. */
function delayedPipe(from: net.Socket, to: net.Socket, delayMs: number, onChunk: () => void): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const drain = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) return;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0]!.due - performance.now()));
  };
  const push = (chunk: Buffer | null) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    timer ??= setTimeout(drain, delayMs);
  };
  from.on('data', (chunk: Buffer) => {
    onChunk();
    push(chunk);
  });
  from.on('end', () => push(null));
}

/** Starts a proxy to `target`; `delayMs` each way (default 10, so 20 ms per round trip). */
export async function startLatencyProxy(
  target: { host: string; port: number },
  delayMs = 10,
): Promise<LatencyProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let chunksUp = 0;
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    // Both ends closed: nothing is left to forward.
    let ended = 0;
    const closeBoth = () => {
      if (++ended < 2) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('finish', closeBoth);
    upstream.on('finish', closeBoth);
    delayedPipe(client, upstream, delayMs, () => chunksUp++);
    delayedPipe(upstream, client, delayMs, () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    host: '127.0.0.1',
    get connections() {
      return accepted;
    },
    get chunksUp() {
      return chunksUp;
    },
    close: async () => {
      for (const s of [...sockets]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
