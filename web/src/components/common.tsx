// Small building blocks every page uses: times in the user's zone (UTC on hover), errors with their
// message code, empty states that say what to do next, page headers, labelled fields, status badges.
import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';
import { ApiError } from '../api/client';

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An instant in the user's time zone; the UTC value in its title (hover) and datetime attribute. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span class="muted">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span>{value}</span>;
  const utc = date.toISOString();
  return (
    <time dateTime={utc} title={`${utc.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} UTC`}>
      {localFormat.format(date)}
    </time>
  );
}

/** An error as the user should see it: the message code first (what support asks for), then the text. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'CLIENT_ERROR';
  const message = error instanceof Error ? error.message : JSON.stringify(error);
  const fields = error instanceof ApiError ? (error.context?.fields as FieldIssue[] | undefined) : undefined;
  return (
    <div class="error" role="alert">
      <code class="code">{code}</code> {message}
      {fields && fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
interface FieldIssue {
  field: string;
  message: string;
}

/** Nothing to show yet, and what to do about it. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Loading() {
  return (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      {children && <div class="actions">{children}</div>}
    </header>
  );
}

type InputProps = JSX.IntrinsicElements['input'];
/** A text input with its visible label (every form field is labelled). */
export function Field({ label, hint, ...input }: InputProps & { label: string; hint?: string }) {
  const hintId = useId();
  // The hint describes the field (aria-describedby) without becoming part of its name.
  return (
    <div class="field">
      <label>
        <span>{label}</span>
        <input {...input} aria-describedby={hint ? hintId : undefined} />
      </label>
      {hint && (
        <small id={hintId} class="muted">
          {hint}
        </small>
      )}
    </div>
  );
}

type SelectProps = JSX.IntrinsicElements['select'];
export function Select({
  label,
  options,
  ...select
}: SelectProps & { label: string; options: readonly (string | { value: string; label: string })[] }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select {...select}>
        {options.map((o) =>
          typeof o === 'string' ? (
            <option key={o} value={o}>
              {o || 'any'}
            </option>
          ) : (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ),
        )}
      </select>
    </label>
  );
}

const tones: Record<string, string> = {
  completed: 'ok',
  active: 'ok',
  connected: 'ok',
  success: 'ok',
  running: 'info',
  pending: 'info',
  partial: 'warn',
  cancelled: 'warn',
  inactive: 'warn',
  failed: 'bad',
  abandoned: 'bad',
  error: 'bad',
  deleted: 'bad',
};
/** A status word with a colour that does not carry the meaning alone (the word is always there). */
export function Badge({ value }: { value: string | null | undefined }) {
  const v = value ?? 'unknown';
  return <span class={`badge ${tones[v] ?? 'neutral'}`}>{v}</span>;
}

/** Bytes as KB / MB / GB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${bytes < 0 ? '-' : ''}${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A form's error and its submit / cancel buttons (the submit label says what it makes). */
export function FormFooter({
  error,
  busy,
  submitLabel,
  onCancel,
}: {
  error: unknown;
  busy: boolean;
  submitLabel: string;
  onCancel: () => void;
}) {
  return (
    <>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </>
  );
}
