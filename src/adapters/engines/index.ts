// One adapter per instance, chosen by db_type.
import type { DbType } from '../../domain/engines/model.js';
import { createMysqlAdapter } from './mysql/mysqlAdapter.js';
import { createOracleAdapter } from './oracle/oracleAdapter.js';
import type { ConnectionParams, EngineAdapter, EngineOptions } from './port.js';
import { createPostgresqlAdapter } from './postgresql/postgresqlAdapter.js';
import { createSqlserverAdapter } from './sqlserver/sqlserverAdapter.js';

const factories: Record<DbType, (params: ConnectionParams, options?: EngineOptions) => EngineAdapter> = {
  mysql: createMysqlAdapter,
  postgresql: createPostgresqlAdapter,
  sqlserver: createSqlserverAdapter,
  oracle: createOracleAdapter,
};

export const createEngineAdapter = (params: ConnectionParams, options?: EngineOptions): EngineAdapter =>
  factories[params.dbType](params, options);

/** Default ports, for validate-connection-params and forms. */
export const defaultPorts: Record<DbType, number> = {
  mysql: 3306,
  postgresql: 5432,
  sqlserver: 1433,
  oracle: 1521,
};
