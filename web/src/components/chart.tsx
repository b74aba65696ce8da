// A time-series chart (uPlot, canvas): one x axis of instants, one or more series. The series' names and
// latest values are also given as text (the legend and an offscreen table) for screen readers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  name: string;
  /** [unix seconds, value] pairs; null values leave a gap. */
  points: readonly (readonly [number, number | null])[];
}

const palette = ['#1f5fa8', '#b3541e', '#2e7d32', '#7b1fa2', '#c62828', '#00838f', '#5d4037', '#455a64'];

/** Aligns the series on the union of their x values (uPlot wants one x array). */
function aligned(series: readonly Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [x, v] of s.points) y[index.get(x)!] = v;
    return y;
  });
  return [xs, ...ys];
}

export function TimeChart({
  title,
  series,
  height = 260,
  format = (v: number) => String(v),
}: {
  title: string;
  series: readonly Series[];
  height?: number;
  format?: (v: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, el.clientWidth),
        height,
        // A single instant (one day's aggregate) gets a day either side, not uPlot's padding of years (it
        // pads a lone x before calling range, so the data decides here).
        scales: {
          x: {
            time: true,
            range: (u: uPlot, min: number, max: number) => {
              const xs = u.data[0];
              return xs.length === 1 ? [xs[0]! - 86400, xs[0]! + 86400] : [min, max];
            },
          },
        },
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.name,
            stroke: palette[i % palette.length],
            width: 2,
            points: { show: s.points.length < 60 },
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
          })),
        ],
        axes: [{}, { values: (_u: uPlot, vals: number[]) => vals.map(format), size: 70 }],
      },
      aligned(series),
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(320, el.clientWidth), height });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [title, series, height, format]);
  return (
    <figure class="chart" data-series-count={series.length}>
      <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => s.name).join(', ')}`} />
      <figcaption class="sr-only">
        {title}:{' '}
        {series
          .map((s) => {
            const last = s.points[s.points.length - 1];
            return `${s.name} ${s.points.length} points${last && last[1] !== null ? `, latest ${format(last[1])}` : ''}`;
          })
          .join('; ')}
      </figcaption>
    </figure>
  );
}
