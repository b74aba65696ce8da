// Fake TCP peers for the engine adapter failure tests, which need no database server: a closed port
// (nothing listening), a silent peer (accepts and never answers) and a hang-up peer (accepts and closes
// at once). Also the check those tests share: the call fails with an EngineError that does not quote
// the password.
import net from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { EngineError } from '../../src/adapters/engines/port.js';
import { freePort } from './net.js';

async function listen(onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

export interface FakePeers {
  /** A port nothing listens on (it was free a moment ago). */
  closedPort: () => Promise<number>;
  /** The port of a peer that accepts connections and never answers. */
  silentPort: () => number;
  /** The port of a peer that accepts connections and closes them at once. */
  hangUpPort: () => number;
}

/**
 * Starts the silent and hang-up peers in a beforeAll and closes them (and every socket the silent one
 * kept) in an afterAll, both registered in the calling describe.
 */
export function useFakePeers(): FakePeers {
  const sockets = new Set<net.Socket>();
  let silent: net.Server;
  let hangUp: net.Server;

  beforeAll(async () => {
    silent = await listen((socket) => sockets.add(socket));
    hangUp = await listen((socket) => socket.destroy());
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([silent, hangUp].map((s) => new Promise((resolve) => s.close(resolve))));
  });

  return { closedPort: freePort, silentPort: () => portOf(silent), hangUpPort: () => portOf(hangUp) };
}

/** The EngineError a promise rejects with; its message must not contain `password`. */
export async function engineFailure(promise: Promise<unknown>, password: string): Promise<EngineError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  expect((err as Error).message).not.toContain(password);
  return err as EngineError;
}
