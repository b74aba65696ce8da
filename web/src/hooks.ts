// Data hooks for pages: load once (and again when the inputs change), or poll every few seconds.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `inputs` change (and every `pollMs` when given, without flicker: the old data stays
 * until the new arrives). An answer to an older request never overwrites a newer one.
 */
export function useApi<T>(load: () => Promise<T>, inputs: readonly unknown[], pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => mine === generation.current && setState((s) => ({ ...s, error, loading: false })),
    );
  }, inputs); // the caller lists the inputs that change what load() reads
  useEffect(() => {
    run();
    if (!pollMs) return undefined;
    const timer = setInterval(() => document.visibilityState === 'visible' && run(), pollMs);
    return () => clearInterval(timer);
  }, [run, pollMs]);
  return { ...state, reload: run };
}

/** The query string of the current URL as an object, and a setter that replaces it (filters in the URL). */
export function queryOf(search: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(search)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
