// Pieces the classification, rule, scheduler, partition, user and audit pages share: the types of the API's
// answers (from the generated schema), the URL query as page state (filters and the selected item live in
// the URL so a view can be shared), a form's busy/error state, and a polite status line for results.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { paths } from '../../api/schema';
import { queryOf } from '../../hooks';

type Json<R> = R extends { content: { 'application/json': { data: infer D } } } ? D : never;
/** The `data` of a GET's 200 answer. */
export type GetData<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } }
  ? Json<R>
  : never;
/** One item of a list GET's `data`. */
export type Item<P extends keyof paths> = GetData<P> extends readonly (infer I)[] ? I : never;

/** The current query and a setter that merges a patch into it (undefined or '' removes a key). */
export function useQuery(): [Record<string, string>, (patch: Record<string, string | undefined>) => void] {
  const { path, query, route } = useLocation();
  const set = (patch: Record<string, string | undefined>) =>
    route(`${path}${queryOf({ ...query, ...patch })}`);
  return [query, set];
}

/** A page number from the query (1 when absent or not a number). */
export const pageOf = (value: string | undefined): number => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : 1;
};

/** Runs an async action with busy and error state (the error keeps its message code for ErrorBox). */
export function useAction(): {
  busy: boolean;
  error: unknown;
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

/** The outcome of the last action, announced to screen readers. */
export function Status({ message }: { message: string | undefined }) {
  return (
    <p class="status" role="status" aria-live="polite">
      {message ?? ''}
    </p>
  );
}

/** A labelled checkbox (the box before its label). */
export function Check({
  label,
  checked,
  onChange,
  disabled,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
}) {
  return (
    <label class="check">
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />{' '}
      {label}
    </label>
  );
}
