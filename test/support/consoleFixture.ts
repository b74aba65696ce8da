// A browser test's world: the built server on a fresh database, one Chromium, and pages logged in as a
// user of a chosen role. Optionally a collector account on the local MariaDB (with its own database and
// an application account) to register and sync as an operator would.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD, startApiServer, type ApiServer } from './apiServer.js';
import { launchChromium, logIn, openConsole, type ConsolePage } from './browser.js';
import { collectorServer, createCollector, dropCollector } from './mariadbCollector.js';

export type Role = 'admin' | 'user' | 'viewer';

export interface LocalMariadb {
  /** The collector account whatever registers the instance uses. */
  host: string;
  port: number;
  username: string;
  password: string;
  /** A database and an application account on it (SELECT, DELETE), to see in accounts and sizes. */
  database: string;
  appUser: string;
  root: mysql.Connection;
}

export interface ConsoleFixture {
  api: ApiServer;
  browser: Browser;
  origin: string;
  adminToken(): Promise<string>;
  /** A new browser context logged in as `admin`, or as a new user of the role. */
  open(role?: Role, path?: string): Promise<ConsolePage & { username: string }>;
  /** The local MariaDB with a collector account (created on first use, dropped on close). */
  mariadb(): Promise<LocalMariadb>;
  close(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}): Promise<ConsoleFixture> {
  const [api, browser] = await Promise.all([startApiServer(env), launchChromium()]);
  const origin = api.server.baseUrl;
  const pages: ConsolePage[] = [];
  let local: Promise<LocalMariadb> | undefined;
  let users = 0;

  const fixture: ConsoleFixture = {
    api,
    browser,
    origin,
    adminToken: () => api.adminToken(),
    async open(role = 'admin', path = '/') {
      let username = 'admin';
      let password = ADMIN_PASSWORD;
      if (role !== 'admin') {
        username = `${role}-${++users}-${randomBytes(2).toString('hex')}`;
        password = `pw-${username}-long`;
        const res = await api.call('POST', '/users', {
          token: await api.adminToken(),
          body: { username, password, role },
        });
        if (res.status !== 201)
          throw new Error(`creating ${username}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      const opened = await openConsole(browser, origin);
      pages.push(opened);
      await logIn(opened.page, username, password, path);
      return { ...opened, username };
    },
    mariadb() {
      local ??= (async () => {
        const url = process.env.TEST_MYSQL_URL;
        if (!url) throw new Error('TEST_MYSQL_URL is not set');
        const p = `wfb_${randomBytes(3).toString('hex')}`;
        const root = await mysql.createConnection({ uri: url });
        const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
        await createCollector(root, collector.user, collector.password);
        await root.query(`CREATE DATABASE \`${p}_db\``);
        await root.query(`CREATE TABLE \`${p}_db\`.t (id int primary key, v varchar(200))`);
        await root.query(`INSERT INTO \`${p}_db\`.t VALUES (1, REPEAT('x', 200)), (2, REPEAT('y', 200))`);
        await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_app`, '%', 'x-App-1']);
        await root.query(`GRANT SELECT, DELETE ON \`${p}_db\`.* TO ?@'%'`, [`${p}_app`]);
        const server = collectorServer(url, collector);
        return { ...server, database: `${p}_db`, appUser: `${p}_app`, root };
      })();
      return local;
    },
    async close() {
      await Promise.all(pages.map((p) => p.context.close().catch(() => undefined)));
      await browser.close().catch(() => undefined);
      await api.stop();
      if (local) {
        const m = await local;
        await dropCollector(m.root, m.username);
        await m.root.query('DROP USER IF EXISTS ?@?', [m.appUser, '%']);
        await m.root.query(`DROP DATABASE IF EXISTS \`${m.database}\``);
        await m.root.end();
      }
    },
  };
  return fixture;
}
