// A session's timeline, the replay: every event of its stream and those it caused on other streams, in
// commit order, each with its time, type, instance, who appended it and a readable summary. Paged here
// (the API answers the whole story); the page and the event type filter are in the URL.
import { useLocation } from 'preact-iso';
import { queryOf } from '../../hooks';
import { Empty, Select, Time } from '../common';
import { Pager } from '../pager';
import { summarize, type TimelineEntry } from './model';

const PAGE_SIZE = 50;

export function Timeline({
  entries,
  who,
}: {
  entries: readonly TimelineEntry[];
  /** Who an actor is, in words. */
  who: (actor: TimelineEntry['actor']) => string;
}) {
  const { path, query, route } = useLocation();
  const type = query.event_type ?? '';
  const types = [...new Set(entries.map((e) => e.type))].sort();
  const shown = type ? entries.filter((e) => e.type === type) : entries;
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number(query.events_page) || 1));
  const go = (changes: Record<string, string | undefined>) =>
    route(`${path}${queryOf({ ...query, ...changes })}`, true);
  if (entries.length === 0) return <Empty>No events yet: the session is starting.</Empty>;
  return (
    <>
      <div class="filters">
        <Select
          label="Event type"
          value={type}
          options={[{ value: '', label: 'every type' }, ...types.map((t) => ({ value: t, label: t }))]}
          onChange={(e) => go({ event_type: e.currentTarget.value, events_page: undefined })}
        />
      </div>
      <ol class="timeline" aria-label="Timeline" start={(page - 1) * PAGE_SIZE + 1}>
        {shown.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((e) => (
          <li key={e.event_id} data-type={e.type}>
            <div class="timeline-head">
              <Time value={e.occurred_at} /> <code class="event-type">{e.type}</code>
              {e.instance_name && <span> · {e.instance_name}</span>}
              <span class="muted"> · by {who(e.actor)}</span>
            </div>
            <div class="timeline-summary">{summarize(e)}</div>
            <div class="muted timeline-where">
              {e.stream_id} #{e.revision} · position {e.position}
            </div>
          </li>
        ))}
      </ol>
      <Pager
        label="Pages of events"
        meta={{ page, limit: PAGE_SIZE, total: shown.length, pages }}
        onPage={(p) => go({ events_page: String(p) })}
      />
    </>
  );
}
