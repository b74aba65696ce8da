// A collector account on the local MariaDB with the least privileges of docs/engines.md, for the hosts a
// TCP client from this machine may match ('%' can be shadowed by anonymous users on 'localhost').
import type mysql from 'mysql2/promise';

const hosts = ['%', 'localhost', '127.0.0.1'] as const;

export async function createCollector(root: mysql.Connection, user: string, password: string): Promise<void> {
  for (const host of hosts) {
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
    await root.query('GRANT SELECT ON mysql.* TO ?@?', [user, host]);
    // PROCESS: the InnoDB tablespace sizes (information_schema.INNODB_SYS_TABLESPACES).
    await root.query('GRANT SHOW DATABASES, SHOW VIEW, PROCESS ON *.* TO ?@?', [user, host]);
  }
}

export async function dropCollector(root: mysql.Connection, user: string): Promise<void> {
  for (const host of hosts) await root.query('DROP USER IF EXISTS ?@?', [user, host]);
}

/** Changes the collector's password on every host (to make its connections fail, then work again). */
export async function setCollectorPassword(
  root: mysql.Connection,
  user: string,
  password: string,
): Promise<void> {
  for (const host of hosts) await root.query('ALTER USER ?@? IDENTIFIED BY ?', [user, host, password]);
}

/** The local MariaDB as a monitored server, reached as the collector (for openCapacityHarness().register). */
export function collectorServer(serviceUrl: string, collector: { user: string; password: string }) {
  const url = new URL(serviceUrl);
  return {
    dbType: 'mysql' as const,
    host: url.hostname,
    port: Number(url.port || 3306),
    username: collector.user,
    password: collector.password,
  };
}
