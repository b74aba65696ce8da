import { describe, expect, it } from 'vitest';
import { roleClosure } from './roleClosure.js';

describe('role closure', () => {
  it('follows roles of roles, with the shortest chain to each', () => {
    const edges = [
      { member: 'bob', role: 'app_admin' },
      { member: 'app_admin', role: 'dba' },
      { member: 'dba', role: 'select_catalog' },
      { member: 'bob', role: 'dba' },
    ];
    expect(Object.fromEntries(roleClosure('bob', edges))).toEqual({
      app_admin: [],
      dba: [],
      select_catalog: ['dba'],
    });
  });

  it('survives cycles and never reports the start or ignored roles', () => {
    const edges = [
      { member: 'a', role: 'b' },
      { member: 'b', role: 'a' },
      { member: 'b', role: 'PUBLIC' },
      { member: 'PUBLIC', role: 'c' },
    ];
    expect(Object.fromEntries(roleClosure('a', edges, new Set(['PUBLIC'])))).toEqual({ b: [] });
  });
});
