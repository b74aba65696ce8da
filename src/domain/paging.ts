/** A page of a list: 1-based page number and page size. */
export interface Paging {
  page: number;
  limit: number;
}
