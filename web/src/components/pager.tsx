// Previous / next for paged lists (the API's meta: page, limit, total, pages).
import type { PageMeta } from '../api/client';

export function Pager({ meta, onPage }: { meta: PageMeta | undefined; onPage: (page: number) => void }) {
  if (!meta || meta.pages <= 1) return meta ? <p class="muted">{meta.total} in all</p> : null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={meta.page <= 1} onClick={() => onPage(meta.page - 1)}>
        Previous
      </button>
      <span>
        page {meta.page} of {meta.pages} ({meta.total} in all)
      </span>
      <button type="button" disabled={meta.page >= meta.pages} onClick={() => onPage(meta.page + 1)}>
        Next
      </button>
    </nav>
  );
}
