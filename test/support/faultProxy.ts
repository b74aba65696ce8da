// A TCP proxy for fault injection between whalefall and a real server (MariaDB, PostgreSQL): it forwards
// bytes both ways and, by rule, stalls, drops or blackholes chosen traffic. Queries are matched on the
// client's bytes (the MySQL COM_QUERY and PostgreSQL Query/Parse messages carry the SQL text in clear on a
// non-TLS connection), so a test can make exactly one account's `SHOW GRANTS` hang past the query timeout
// while every other query runs. Everything a stalled connection sends after the match is held too, so the
// server sees the client's bytes in order or not at all.
import net from 'node:net';

export type Match = string | RegExp;

export interface FaultRule {
  /** What the rule does to a connection whose client bytes match. */
  action: 'stall' | 'drop';
  match: Match;
  /** How many times the rule may fire (default: every time). */
  times?: number;
  /** For `stall`: release the held bytes after this long (default: hold until release() or close). */
  forMs?: number;
}

export interface FaultProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  readonly host: '127.0.0.1';
  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void;
  /** Stalls the next (or every) client message matching `match`. */
  stall(match: Match, options?: Omit<FaultRule, 'action' | 'match'>): () => void;
  /** Closes both sides of a connection as soon as its client sends a message matching `match`. */
  drop(match: Match, options?: Omit<FaultRule, 'action' | 'match'>): () => void;
  /** New connections are accepted and never answered (a host that went silent); `false` ends it. */
  blackhole(on?: boolean): void;
  /** Holds every byte in both directions on every connection (a stopped server) until resume(). */
  pause(): void;
  resume(): void;
  /** Forwards every held byte again (stalled connections go on). */
  release(): void;
  /** Removes every rule and ends the blackhole and the pause. */
  reset(): void;
  /** How many times a rule matched, by its match text. */
  hits(match: Match): number;
  /** Destroys every connection (both sides), as a network cut would. */
  cut(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

const keyOf = (m: Match) => (typeof m === 'string' ? m : m.toString());
const matches = (m: Match, text: string) => (typeof m === 'string' ? text.includes(m) : m.test(text));
/** How much of a connection's recent client bytes a match may span (a message split over two chunks). */
const WINDOW = 4096;

interface Pipe {
  client: net.Socket;
  server: net.Socket | undefined;
  /** Client bytes not yet forwarded (connecting, stalled or paused). */
  heldUp: Buffer[];
  heldDown: Buffer[];
  stalled: boolean;
  recent: string;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const rules = new Set<FaultRule & { fired: number }>();
  const hitCounts = new Map<string, number>();
  const pipes = new Set<Pipe>();
  let blackholed = false;
  let paused = false;
  let accepted = 0;

  const flush = (p: Pipe) => {
    if (paused || p.stalled || !p.server || p.server.connecting) return;
    for (const chunk of p.heldUp.splice(0)) p.server.write(chunk);
    for (const chunk of p.heldDown.splice(0)) p.client.write(chunk);
  };
  const destroy = (p: Pipe) => {
    p.client.destroy();
    p.server?.destroy();
    pipes.delete(p);
  };

  /** The rule a client chunk triggers, if any (counting its hit). */
  const ruleFor = (p: Pipe, chunk: Buffer) => {
    p.recent = (p.recent + chunk.toString('latin1')).slice(-WINDOW);
    for (const rule of rules) {
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      if (!matches(rule.match, p.recent)) continue;
      rule.fired++;
      const key = keyOf(rule.match);
      hitCounts.set(key, (hitCounts.get(key) ?? 0) + 1);
      p.recent = ''; // one message fires a rule once
      return rule;
    }
    return undefined;
  };

  const server = net.createServer((client) => {
    accepted++;
    const p: Pipe = { client, server: undefined, heldUp: [], heldDown: [], stalled: false, recent: '' };
    pipes.add(p);
    client.on('error', () => destroy(p));
    client.on('close', () => destroy(p));
    if (blackholed) return; // accepted, never answered: the client's own timeout must end it
    const upstream = net.connect(target.port, target.host);
    p.server = upstream;
    upstream.on('connect', () => flush(p));
    upstream.on('error', () => destroy(p));
    upstream.on('close', () => destroy(p));
    upstream.on('data', (chunk: Buffer) => {
      if (paused || p.stalled) p.heldDown.push(chunk);
      else client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      const rule = p.stalled ? undefined : ruleFor(p, chunk);
      if (rule?.action === 'drop') return destroy(p);
      if (rule?.action === 'stall') {
        p.stalled = true;
        if (rule.forMs !== undefined)
          setTimeout(() => {
            p.stalled = false;
            flush(p);
          }, rule.forMs).unref();
      }
      p.heldUp.push(chunk);
      flush(p);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const add = (rule: FaultRule) => {
    const entry = { ...rule, fired: 0 };
    rules.add(entry);
    return () => void rules.delete(entry);
  };
  const releaseAll = () => {
    for (const p of pipes) {
      p.stalled = false;
      flush(p);
    }
  };

  return {
    port,
    host: '127.0.0.1',
    add,
    stall: (match, options = {}) => add({ action: 'stall', match, ...options }),
    drop: (match, options = {}) => add({ action: 'drop', match, ...options }),
    blackhole: (on = true) => {
      blackholed = on;
    },
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      releaseAll();
    },
    release: releaseAll,
    reset: () => {
      rules.clear();
      blackholed = false;
      paused = false;
      releaseAll();
    },
    hits: (match) => hitCounts.get(keyOf(match)) ?? 0,
    cut: () => {
      for (const p of [...pipes]) destroy(p);
    },
    get connections() {
      return accepted;
    },
    close: async () => {
      for (const p of [...pipes]) destroy(p);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
