// The administrator's partition maintenance, each behind a confirmation naming what it does: create the
// monthly partitions missing from this month to N months ahead (the status's missing months), and drop the
// partitions wholly older than the retention (listed from the partitions as they are now, with their rows).
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { Field, formatBytes } from '../common';
import { ConfirmButton } from '../confirm';
import type { GetData } from '../admin/shared';

type Info = GetData<'/partitions/info'>;
type Health = GetData<'/partitions/status'>;

/** 'YYYY-MM-01' of the month `months` before the month of `day` ('YYYY-MM-DD'). */
export function monthsBefore(day: string, months: number): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  return `${String(year).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

/** The months from `day`'s month through `ahead` months after it. */
const monthsAhead = (day: string, ahead: number) =>
  Array.from({ length: ahead + 1 }, (_, i) => monthsBefore(day, -i));

export function PartitionActions({
  info,
  health,
  onDone,
}: {
  info: Info;
  health: Health;
  onDone: (message: string) => void;
}) {
  const [ahead, setAhead] = useState(String(health.months_ahead));
  const [retention, setRetention] = useState('12');
  const aheadN = Math.min(24, Math.max(1, Number(ahead) || health.months_ahead));
  const retentionN = Math.min(120, Math.max(1, Number(retention) || 12));
  const covered = new Set(
    info.tables.flatMap((t) => t.partitions.filter((p) => p.from).map((p) => `${t.table}|${p.from}`)),
  );
  const toCreate = info.tables.flatMap((t) =>
    monthsAhead(health.today, aheadN)
      .filter((m) => !covered.has(`${t.table}|${m}`))
      .map((m) => `${t.table} ${m.slice(0, 7)}`),
  );
  const before = monthsBefore(health.today, retentionN);
  const toDrop = info.tables.flatMap((t) =>
    t.partitions.filter((p) => !p.is_default && p.to !== null && p.to <= before),
  );

  return (
    <section class="panel" aria-labelledby="maintenance-title">
      <h2 id="maintenance-title">Maintenance</h2>
      <div class="filters">
        <Field
          label="Months ahead"
          type="number"
          min={1}
          max={24}
          value={ahead}
          onInput={(e) => setAhead(e.currentTarget.value)}
        />
        <ConfirmButton
          label="Create next partitions"
          title="Create the next monthly partitions?"
          confirmLabel="Create"
          onConfirm={async () => {
            const r = await unwrap(client.POST('/partitions', { body: { months_ahead: aheadN } }));
            onDone(
              r.created.length ? `${r.created.length} partition(s) created` : 'no partition was missing',
            );
          }}
        >
          <p>
            This creates the monthly partitions missing from this month to {aheadN} month(s) ahead, for{' '}
            {info.tables.map((t) => t.table).join(' and ')}:
          </p>
          {toCreate.length ? (
            <ul>
              {toCreate.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          ) : (
            <p>none is missing (nothing will change).</p>
          )}
          <p>
            Rows of those months already in a default partition move into the new one. Each partition created
            appends <code>PartitionCreated</code> to the <code>partitions</code> stream.
          </p>
        </ConfirmButton>
        <Field
          label="Keep months"
          type="number"
          min={1}
          max={120}
          value={retention}
          onInput={(e) => setRetention(e.currentTarget.value)}
        />
        <ConfirmButton
          label="Clean up old partitions"
          title="Drop the partitions past retention?"
          confirmLabel="Drop"
          danger
          onConfirm={async () => {
            const r = await unwrap(
              client.POST('/partitions/actions/cleanup', { body: { retention_months: retentionN } }),
            );
            onDone(r.dropped.length ? `${r.dropped.length} partition(s) dropped` : 'nothing to drop');
          }}
        >
          <p>
            This drops every monthly partition ending on or before {before.slice(0, 7)} (older than{' '}
            {retentionN} month(s)), with its rows: they cannot be recovered. Default partitions are never
            dropped.
          </p>
          {toDrop.length ? (
            <ul>
              {toDrop.map((p) => (
                <li key={p.name}>
                  {p.name}: {p.rows} rows, {formatBytes(p.size_bytes)}
                </li>
              ))}
            </ul>
          ) : (
            <p>No partition is that old now (nothing will be dropped).</p>
          )}
          <p>
            Each partition dropped appends <code>PartitionDropped</code> to the <code>partitions</code>{' '}
            stream.
          </p>
        </ConfirmButton>
      </div>
    </section>
  );
}
