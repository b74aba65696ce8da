// The overview's series (GET /dashboard/charts): sessions per day by outcome, and the fleet's total size
// per day, over the last 14 days.
import { client, unwrap } from '../../api/client';
import { ErrorBox } from '../common';
import { TimeChart, type Series } from '../chart';
import { useApi } from '../../hooks';
import { formatBytes } from '../common';

const MB = 1024 * 1024;
const toSeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

export function OverviewCharts() {
  const charts = useApi(
    () => unwrap(client.GET('/dashboard/charts', { params: { query: { days: 14 } } })),
    [],
  );
  if (charts.error) return <ErrorBox error={charts.error} />;
  const c = charts.data;
  if (!c) return null;
  const toSeries = (unit: string): Series[] =>
    c.series
      .filter((s) => s.unit === unit)
      .map((s) => ({
        name: s.name.replace(/^sessions_/, ''),
        points: s.points.map((p) => [toSeconds(p.t), p.v]),
      }));
  return (
    <div class="chart-row">
      <TimeChart title="Sessions per day" series={toSeries('sessions')} />
      <TimeChart title="Total size per day" series={toSeries('MB')} format={(v) => formatBytes(v * MB)} />
    </div>
  );
}
