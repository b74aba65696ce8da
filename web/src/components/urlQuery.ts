// Filters kept in the URL query, so a filtered view can be shared or bookmarked: read them, change some
// (a change of filters goes back to the first page), narrow a query value to the API's enum, and load
// data for the current filters only.
import { useLocation } from 'preact-iso';
import { queryOf, useApi, type Loaded } from '../hooks';

export type Query = Record<string, string | undefined>;

export interface UrlQuery {
  path: string;
  query: Query;
  /** Replaces the given keys (undefined or '' removes one); resets `page` unless the patch sets it. */
  set: (patch: Query) => void;
}

export function useUrlQuery(pageKeys: readonly string[] = ['page']): UrlQuery {
  const { path, query, route } = useLocation();
  const set = (patch: Query) => {
    const keepPage = pageKeys.some((k) => k in patch);
    const reset = keepPage ? {} : Object.fromEntries(pageKeys.map((k) => [k, undefined]));
    route(`${path}${queryOf({ ...query, ...reset, ...patch })}`);
  };
  return { path, query, set };
}

/** The value when it is one of `allowed` (a hand-edited URL cannot send the API a value it refuses). */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(value ?? '') ? (value as T) : undefined;
}

/** A page number from the query: 1 unless a positive integer. */
export function pageOf(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The value when it looks like an id. */
export const idOf = (value: string | undefined): string | undefined =>
  value && uuid.test(value) ? value : undefined;

/**
 * useApi for the view `key` names (its filters): while the answer for a new key is on its way, data is
 * undefined rather than the previous view's (which would show under the new view's labels).
 */
export function useApiFor<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const loaded = useApi(async () => ({ key, value: await load() }), [key]);
  return { ...loaded, data: loaded.data?.key === key ? loaded.data.value : undefined };
}
