import { describe, expect, it } from 'vitest';
import { filenameEncode, mysqlDatabaseSizes, type MysqlTableRow } from './sizes.js';

const MB = 1_048_576;
const table = (
  db: string,
  name: string,
  engine: string,
  dataBytes = 16384,
  indexBytes = 0,
): MysqlTableRow => ({
  db,
  name,
  engine,
  dataBytes,
  indexBytes,
});

describe('filenameEncode', () => {
  it('keeps letters, digits and _, writes other characters as @ and four hex digits', () => {
    // Seen on MariaDB 10.11: database `wfh1-a.b$c`, table `t-1 é` -> wfh1@002da@002eb@0024c/t@002d1@0020@0p.
    expect(filenameEncode('wfh1-a.b$c')).toBe('wfh1@002da@002eb@0024c');
    expect(filenameEncode('app_DB2')).toBe('app_DB2');
    expect(filenameEncode('t-1 ')).toBe('t@002d1@0020');
  });

  it('gives up on letters the server encodes from its own tables (é is @0p)', () => {
    expect(filenameEncode('t-1 é')).toBeNull();
    expect(filenameEncode('Ⅻ')).toBeNull();
  });
});

describe('mysqlDatabaseSizes', () => {
  it('counts the tablespace file of each InnoDB table that has one, partitions summed', () => {
    const [shop] = mysqlDatabaseSizes({
      names: ['shop'],
      // Statistics not refreshed since the load: TABLES still says one page each.
      tables: [table('shop', 'orders', 'InnoDB'), table('shop', 'parts', 'InnoDB')],
      tablespaces: [
        { name: 'shop/orders', bytes: 31 * MB },
        { name: 'shop/parts#P#p0', bytes: 2 * MB },
        { name: 'shop/parts#P#p1', bytes: 2 * MB },
        { name: 'innodb_system', bytes: 12 * MB },
      ],
    });
    expect(shop).toEqual({
      databaseName: 'shop',
      sizeMb: 35,
      dataSizeMb: 35,
      logSizeMb: null,
      sizeMethod: 'tablespace',
    });
  });

  it('MyISAM, Aria and InnoDB tables without their own file are sized from TABLES: mixed', () => {
    const [db] = mysqlDatabaseSizes({
      names: ['app'],
      tables: [
        table('app', 'big', 'InnoDB'),
        table('app', 'legacy', 'MyISAM', MB, MB / 2),
        table('app', 'aria', 'Aria', MB / 4, 0),
        table('app', 'shared', 'InnoDB', MB / 4, MB / 4), // in the system tablespace
      ],
      tablespaces: [
        { name: 'app/big', bytes: 4 * MB },
        { name: 'app/legacy', bytes: 99 * MB }, // not InnoDB: a name clash never counts
      ],
    });
    expect(db).toEqual({
      databaseName: 'app',
      sizeMb: 6.25,
      dataSizeMb: 5.5,
      logSizeMb: null,
      sizeMethod: 'mixed',
    });
  });

  it('without the tablespaces (no PROCESS) every figure is from TABLES, as before', () => {
    expect(
      mysqlDatabaseSizes({
        names: ['app', 'empty'],
        tables: [table('app', 't', 'InnoDB', MB, MB)],
        tablespaces: null,
      }),
    ).toEqual([
      { databaseName: 'app', sizeMb: 2, dataSizeMb: 1, logSizeMb: null, sizeMethod: 'tables' },
      { databaseName: 'empty', sizeMb: 0, dataSizeMb: 0, logSizeMb: null, sizeMethod: 'tables' },
    ]);
  });

  it('matches encoded names; a name it cannot encode falls back to TABLES', () => {
    const sizes = mysqlDatabaseSizes({
      names: ['my-db'],
      tables: [table('my-db', 'a.b', 'InnoDB'), table('my-db', 'café', 'InnoDB', MB, 0)],
      tablespaces: [{ name: 'my@002ddb/a@002eb', bytes: 3 * MB }],
    });
    expect(sizes).toEqual([
      { databaseName: 'my-db', sizeMb: 4, dataSizeMb: 4, logSizeMb: null, sizeMethod: 'mixed' },
    ]);
  });

  it('an empty database is 0 and lists a database TABLES shows that SHOW DATABASES did not', () => {
    expect(
      mysqlDatabaseSizes({ names: ['empty'], tables: [table('hidden', 't', 'InnoDB')], tablespaces: [] }),
    ).toEqual([
      { databaseName: 'empty', sizeMb: 0, dataSizeMb: 0, logSizeMb: null, sizeMethod: 'tablespace' },
      { databaseName: 'hidden', sizeMb: 0.016, dataSizeMb: 0.016, logSizeMb: null, sizeMethod: 'tables' },
    ]);
  });
});
