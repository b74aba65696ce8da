/** A page of a list: 1-based page number and page size. */
export interface Paging {
  page: number;
  limit: number;
}

/** What a page tells of its list: where it is, its size, and how many items and pages there are. */
export interface PageMeta {
  page: number;
  limit: number;
  total: number;
  pages: number;
}

export const pageMeta = (paging: Paging, total: number): PageMeta => ({
  page: paging.page,
  limit: paging.limit,
  total,
  pages: Math.ceil(total / paging.limit),
});
