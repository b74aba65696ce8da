import { describe, expect, it } from 'vitest';
import { makeFacts, type PermissionFacts } from '../engines/model.js';
import { evaluate } from './dsl.js';

const rule = (fn: string, args?: Record<string, unknown>) => ({
  version: 4,
  expr: args === undefined ? { fn } : { fn, args },
});

const dba = makeFacts('mysql', {
  capabilities: { SUPERUSER: ['SUPER'], GRANT_ADMIN: ['WITH GRANT OPTION on *.*'] },
  roles: ['App_Admin'],
  global: ['SELECT', 'Process'],
  database: { app: ['INSERT'], Billing: ['delete'] },
});
const sqlLogin = makeFacts('sqlserver', {
  server: ['VIEW SERVER STATE'],
  database: { sales: ['SELECT'] },
});
const oracleUser = makeFacts('oracle', {
  roles: ['CONNECT'],
  system: ['CREATE SESSION'],
  tablespace: { USERS: ['UNLIMITED TABLESPACE'] },
});
const nobody = makeFacts('postgresql', {});

describe('db_type_in', () => {
  it.each<[string, PermissionFacts, unknown[], boolean]>([
    ['a listed type', dba, ['mysql', 'oracle'], true],
    ['the type in any case', dba, ['MySQL'], true],
    ['an unlisted type', sqlLogin, ['mysql', 'oracle'], false],
  ])('given %s, when db_type_in, then matched is %s', (_, facts, types, matched) => {
    expect(evaluate(rule('db_type_in', { types }), facts)).toEqual({ matched, errors: [] });
  });
});

describe('is_superuser', () => {
  it.each<[string, PermissionFacts, Record<string, unknown> | undefined, boolean]>([
    ['a superuser', dba, {}, true],
    ['a superuser, args left out', dba, undefined, true],
    ['an account without SUPERUSER', sqlLogin, {}, false],
  ])('given %s, then matched is %s', (_, facts, args, matched) => {
    expect(evaluate(rule('is_superuser', args), facts)).toEqual({ matched, errors: [] });
  });
});

describe('has_capability', () => {
  it.each<[string, PermissionFacts, string, boolean]>([
    ['GRANT_ADMIN held', dba, 'GRANT_ADMIN', true],
    ['the name in lower case', dba, 'grant_admin', true],
    ['LOCKED not held', dba, 'LOCKED', false],
    ['no capabilities', nobody, 'SUPERUSER', false],
  ])('given %s, when has_capability %s, then matched is %s', (_, facts, name, matched) => {
    expect(evaluate(rule('has_capability', { name }), facts)).toEqual({ matched, errors: [] });
  });
});

describe('has_role', () => {
  it.each<[string, PermissionFacts, string, boolean]>([
    ['the role', dba, 'App_Admin', true],
    ['the role in another case', dba, 'app_admin', true],
    ['another role', dba, 'CONNECT', false],
    ['an Oracle role', oracleUser, 'connect', true],
  ])('given %s, when has_role %s, then matched is %s', (_, facts, name, matched) => {
    expect(evaluate(rule('has_role', { name }), facts)).toEqual({ matched, errors: [] });
  });
});

describe('has_privilege, per scope', () => {
  it.each<[string, PermissionFacts, Record<string, unknown>, boolean]>([
    ['global: a global privilege', dba, { name: 'SELECT', scope: 'global' }, true],
    ['global: names compare in any case', dba, { name: 'process', scope: 'global' }, true],
    ['global: a per-database privilege is not global', dba, { name: 'INSERT', scope: 'global' }, false],
    ['server: a server privilege', sqlLogin, { name: 'view server state', scope: 'server' }, true],
    ['server: a system privilege counts', oracleUser, { name: 'CREATE SESSION', scope: 'server' }, true],
    ['server: a global privilege does not', dba, { name: 'SELECT', scope: 'server' }, false],
    [
      'tablespace: on every tablespace',
      oracleUser,
      { name: 'unlimited tablespace', scope: 'tablespace' },
      true,
    ],
    ['tablespace: none', dba, { name: 'SELECT', scope: 'tablespace' }, false],
    ['database: on every database', dba, { name: 'DELETE', scope: 'database' }, true],
    ['database: the named database', dba, { name: 'insert', scope: 'database', database: 'app' }, true],
    ['database: another database', dba, { name: 'DELETE', scope: 'database', database: 'app' }, false],
    ['database: names are exact', dba, { name: 'DELETE', scope: 'database', database: 'billing' }, false],
    ['database: a global privilege is not', dba, { name: 'SELECT', scope: 'database' }, false],
    ['the scope in upper case', dba, { name: 'SELECT', scope: 'GLOBAL' }, true],
    [
      'database: a name Object.prototype has',
      dba,
      { name: 'x', scope: 'database', database: 'constructor' },
      false,
    ],
    ['database: __proto__', dba, { name: 'x', scope: 'database', database: '__proto__' }, false],
  ])('given %s, then matched is %s', (_, facts, args, matched) => {
    expect(evaluate(rule('has_privilege', args), facts)).toEqual({ matched, errors: [] });
  });
});

describe('facts with missing fields count as empty', () => {
  const partial = { db_type: 'mysql', roles: ['r'] } as unknown as PermissionFacts;
  const odd = {
    db_type: 'mysql',
    privileges: { global: 'SELECT', database: null },
  } as unknown as PermissionFacts;
  it.each<[string, PermissionFacts, string, Record<string, unknown>, boolean]>([
    ['no privileges', partial, 'has_privilege', { name: 'SELECT', scope: 'global' }, false],
    ['no capabilities', partial, 'is_superuser', {}, false],
    [
      'no database map',
      partial,
      'has_privilege',
      { name: 'SELECT', scope: 'database', database: 'a' },
      false,
    ],
    ['roles still read', partial, 'has_role', { name: 'R' }, true],
    ['a field of the wrong type', odd, 'has_privilege', { name: 'SELECT', scope: 'global' }, false],
    ['a map of the wrong type', odd, 'has_privilege', { name: 'SELECT', scope: 'database' }, false],
  ])('given %s, when %s, then matched is %s and no error', (_, facts, fn, args, matched) => {
    expect(evaluate(rule(fn, args), facts)).toEqual({ matched, errors: [] });
  });
});
