// Parts of the capacity page: the summary of the latest period (total, change, growth), the top growers
// of that period, and the operator's actions (collect sizes now, aggregate the running periods), each
// behind a confirmation that says what it starts.
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { ConfirmButton } from '../confirm';
import { formatMb, formatPercent, type SizeRow, type Summary } from './capacityData';

export function SummaryCards({ summary, what }: { summary: Summary; what: string }) {
  return (
    <div class="cards" role="group" aria-label="Summary of the latest period">
      <div class="card">
        <h2>Total size</h2>
        <div class="figure">{formatMb(summary.total_avg_size_mb)}</div>
        <span class="muted">
          {summary.count} {what}, {summary.period_type} {summary.period_start}
          {summary.period_end && summary.period_end !== summary.period_start
            ? ` to ${summary.period_end}`
            : ''}
          {summary.partial ? ' (period still running)' : ''}
        </span>
      </div>
      <div class="card">
        <h2>Change</h2>
        <div class="figure">
          {summary.total_size_change_mb === null
            ? '—'
            : `${summary.total_size_change_mb > 0 ? '+' : ''}${formatMb(summary.total_size_change_mb)}`}
        </div>
        <span class="muted">against the previous {summary.period_type} period</span>
      </div>
      <div class="card">
        <h2>Growth</h2>
        <div class="figure">{formatPercent(summary.growth_percent)}</div>
        <span class="muted">
          {summary.growth_percent === null ? 'no earlier period to compare with' : 'of the previous total'}
        </span>
      </div>
      <div class="card">
        <h2>Average size</h2>
        <div class="figure">{formatMb(summary.average_avg_size_mb)}</div>
        <span class="muted">per {what === 'instances' ? 'instance' : 'database'}</span>
      </div>
    </div>
  );
}

export function Growers({ rows, level }: { rows: readonly SizeRow[]; level: 'instances' | 'databases' }) {
  if (rows.length === 0) return <p class="muted">No period to rank yet.</p>;
  return (
    <table>
      <caption class="sr-only">Top growers of the latest period, largest change first</caption>
      <thead>
        <tr>
          <th scope="col">{level === 'instances' ? 'Instance' : 'Database'}</th>
          <th scope="col">Period</th>
          <th scope="col" class="num">
            Average size
          </th>
          <th scope="col" class="num">
            Change
          </th>
          <th scope="col" class="num">
            Change %
          </th>
          <th scope="col" class="num">
            Growth per day
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.key}@${r.period_start}`}>
            <td>
              <a href={`/instances/${r.instance_id}`}>{r.label}</a>
            </td>
            <td>
              {r.period_start}
              {r.is_partial && <span class="muted"> (running)</span>}
            </td>
            <td class="num">{formatMb(r.size_mb)}</td>
            <td class="num">{r.change_mb === null ? '—' : formatMb(r.change_mb)}</td>
            <td class="num">{formatPercent(r.change_percent)}</td>
            <td class="num">{formatPercent(r.growth_rate, 2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Collect sizes now and aggregate the running periods: for users who may update. */
export function CapacityActions({
  instanceId,
  onDone,
}: {
  instanceId: string | undefined;
  onDone: () => void;
}) {
  const { can } = useAuth();
  const [started, setStarted] = useState<string | undefined>(undefined);
  if (!can('update')) return null;
  return (
    <>
      <ConfirmButton
        label="Collect sizes now"
        title="Collect database sizes"
        confirmLabel="Start the collection"
        onConfirm={async () => {
          const body = instanceId ? { instance_ids: [instanceId] } : {};
          const s = await unwrap(client.POST('/capacity/actions/collect', { body }));
          setStarted(s.session_id);
        }}
      >
        <p>
          Starts a capacity collection session for {instanceId ? 'this instance' : 'every active instance'}:
          it reads each database's size and appends the sizes collected. The page shows them once the periods
          are aggregated.
        </p>
      </ConfirmButton>
      <ConfirmButton
        label="Aggregate running periods"
        title="Aggregate the running periods"
        confirmLabel="Aggregate"
        onConfirm={() => unwrap(client.POST('/capacity/aggregations/current', { body: {} }))}
        onDone={onDone}
      >
        <p>
          Computes the daily, weekly, monthly and quarterly periods still running from the sizes collected so
          far (each marked partial) and appends one aggregation session per period type.
        </p>
      </ConfirmButton>
      {started && (
        <span role="status">
          Collection started: <a href={`/sessions/${started}`}>follow its session</a>.
        </span>
      )}
    </>
  );
}
