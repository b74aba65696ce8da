// Previous / next for paged lists (the API's meta: page, limit, total, pages).
import type { PageMeta } from '../api/client';

export function Pager({
  meta,
  onPage,
  label = 'Pages',
}: {
  meta: PageMeta | undefined;
  onPage: (page: number) => void;
  /** The navigation's name, when a page has more than one pager. */
  label?: string;
}) {
  if (!meta || meta.pages <= 1) return meta ? <p class="muted">{meta.total} in all</p> : null;
  return (
    <nav class="pager" aria-label={label}>
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
