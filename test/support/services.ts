// The real servers the integration and e2e suites talk to, as found by the global setup.
import { inject } from 'vitest';

export interface ServiceStatus {
  url: string | undefined;
  /** Why the service is unavailable (tests that need it are skipped with this reason, outside CI). */
  reason: string | undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ServiceStatus;
    mysql: ServiceStatus;
    /** A PostgreSQL to monitor (TEST_PG_MONITORED_URL), apart from the one holding the event log. */
    postgresMonitored: ServiceStatus;
  }
}

export const postgresService = (): ServiceStatus => inject('postgres');
export const mysqlService = (): ServiceStatus => inject('mysql');
export const monitoredPostgresService = (): ServiceStatus => inject('postgresMonitored');

/** A suite title that says why it was skipped, since vitest does not print skip reasons. */
export const titled = (title: string, service: ServiceStatus): string =>
  service.url ? title : `${title} [skipped: ${service.reason}]`;
