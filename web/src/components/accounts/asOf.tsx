// The as-of picker: "what could this account do at this moment". A date and time in the user's zone
// (to the second), sent to the API as an instant; the chosen moment stays in the URL (as_of) so the view
// can be shared; the banner's "Back to now" drops it.
import { useEffect, useState } from 'preact/hooks';
import { Time } from '../common';

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a datetime-local value in the browser's zone: YYYY-MM-DDTHH:mm:ss. */
export function localInputValue(instant: string | Date): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return '';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

export function AsOfPicker({
  asOf,
  onPick,
}: {
  /** The instant in the URL, or undefined for now. */
  asOf: string | undefined;
  onPick: (instant: string) => void;
}) {
  const [value, setValue] = useState(asOf ? localInputValue(asOf) : '');
  useEffect(() => setValue(asOf ? localInputValue(asOf) : ''), [asOf]);
  const [invalid, setInvalid] = useState(false);
  return (
    <form
      class="filters as-of"
      aria-label="Pick a moment"
      onSubmit={(e) => {
        e.preventDefault();
        // A datetime-local value has no zone: the browser reads it in the user's zone.
        const at = new Date(value);
        setInvalid(Number.isNaN(at.getTime()));
        if (!Number.isNaN(at.getTime())) onPick(at.toISOString());
      }}
    >
      <label class="field">
        <span>As of ({zone})</span>
        <input
          type="datetime-local"
          step={1}
          required
          value={value}
          aria-invalid={invalid || undefined}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Show facts at this moment</button>
      {invalid && <span role="alert">Pick a date and a time.</span>}
    </form>
  );
}

/** Which moment the facts below are of: "now", or "as of <Time>" with the way back. */
export function AsOfBanner({ asOf, nowHref }: { asOf: string | undefined; nowHref: string }) {
  if (!asOf)
    return (
      <p class="as-of-banner" role="status">
        Showing the facts <strong>now</strong> (the latest sync).
      </p>
    );
  return (
    <p class="as-of-banner past" role="status">
      Showing what this account could do <strong>as of</strong> <Time value={asOf} />, from the event log.{' '}
      <a href={nowHref}>Back to now</a>
    </p>
  );
}
