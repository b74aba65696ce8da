// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction (server to client and
// client to server), as the network to a remote server would: the model of remote servers for the
// benchmarks and tests, since this machine has no netem. Each direction keeps its bytes in order (one FIFO per
// direction, a chunk leaves no earlier than `delayMs` after it arrived and never before the chunk ahead of
// it); the end of a side is passed on after the bytes ahead of it. bench/latencyProxy.ts runs it in a child
// process for the benchmarks, so that its CPU is not counted as the service's.
import net from 'node:net';

export interface LatencyProxyOptions {
  /** Delay each way (default 10, so 20 ms per round trip). */
  delayMs?: number;
  /**
   * Model the TCP handshake: a new connection carries nothing for one round trip (2 x delayMs), as a
   * remote server's SYN/SYN-ACK would cost. Off by default (the tests' timings were set without it).
   */
  connectRoundTrip?: boolean;
  /** Accept connections and swallow their bytes, never answering (a host that hangs). */
  blackhole?: boolean;
}

export interface LatencyProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  readonly host: '127.0.0.1';
  /** Connections accepted so far. */
  readonly connections: number;
  /** Chunks forwarded so far from the clients to the server (about one per request on a MySQL connection). */
  readonly chunksUp: number;
  /**
   * Round trips so far, all connections: a turn (client bytes after server bytes, or a connection's first
   * client bytes) the server answered, plus one per connection for the TCP handshake when connectRoundTrip.
   */
  readonly roundTrips: number;
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

/** Counts the request/response turns of one connection. */
function turnCounter(count: () => void) {
  // A turn is open from the client's first bytes after the server spoke (or its very first bytes) until
  // the server answers; a last message nobody answers (COM_QUIT, Terminate) costs no wait and is not one.
  let open = false;
  let serverSpoke = true;
  return {
    up() {
      if (serverSpoke) open = true;
      serverSpoke = false;
    },
    down() {
      serverSpoke = true;
      if (!open) return;
      open = false;
      count();
    },
  };
}

/** Starts a proxy to `target`; `delay` is the delay each way (default 10) or the options. */
export async function startLatencyProxy(
  target: { host: string; port: number },
  delay: number | LatencyProxyOptions = 10,
): Promise<LatencyProxy> {
  const {
    delayMs = 10,
    connectRoundTrip = false,
    blackhole = false,
  } = typeof delay === 'number' ? { delayMs: delay } : delay;
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let chunksUp = 0;
  let roundTrips = 0;
  const pipe = (client: net.Socket) => {
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    for (const s of [client, upstream])
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    // Both ends closed: nothing is left to forward.
    let ended = 0;
    const closeBoth = () => {
      if (++ended < 2) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('finish', closeBoth);
    upstream.on('finish', closeBoth);
    const turns = turnCounter(() => roundTrips++);
    delayedPipe(client, upstream, delayMs, () => {
      chunksUp++;
      turns.up();
    });
    delayedPipe(upstream, client, delayMs, () => turns.down());
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    client.setNoDelay(true);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (blackhole) {
      client.on('error', () => undefined);
      client.resume(); // read and drop: the client's writes never block, nothing ever comes back
      return;
    }
    if (!connectRoundTrip) return pipe(client);
    roundTrips++;
    client.pause();
    client.on('error', () => client.destroy());
    const timer = setTimeout(() => {
      if (client.destroyed) return;
      pipe(client);
      client.resume();
    }, 2 * delayMs);
    client.on('close', () => clearTimeout(timer));
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
    get roundTrips() {
      return roundTrips;
    },
    close: async () => {
      for (const s of [...sockets]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
