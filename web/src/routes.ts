// Every page of the console: its path, the page module in pages/ (loaded when first visited, so the first
// page's bundle stays small), and its place in the navigation. A page module default-exports its component;
// the router passes the path's parameters as props (`id` for /instances/:id).
import type { Permission } from './auth';

export interface PageRoute {
  path: string;
  /** File name in pages/, without .tsx. */
  page: string;
  /** Shown in the navigation when set. */
  nav?: string;
  /** The permission a user needs for the navigation to show it (the API enforces it either way). */
  needs?: Permission;
}

export const pageRoutes: readonly PageRoute[] = [
  { path: '/', page: 'overview', nav: 'Overview' },
  { path: '/instances', page: 'instances', nav: 'Instances' },
  { path: '/instances/:id', page: 'instanceDetail' },
  { path: '/sessions', page: 'sessions', nav: 'Sessions' },
  { path: '/sessions/:id', page: 'sessionDetail' },
  { path: '/accounts', page: 'accounts', nav: 'Accounts' },
  { path: '/accounts/:id', page: 'accountDetail' },
  { path: '/capacity', page: 'capacity', nav: 'Capacity' },
  { path: '/classifications', page: 'classifications', nav: 'Classifications' },
  { path: '/classifications/rules', page: 'rules', nav: 'Rules' },
  { path: '/tags', page: 'tags', nav: 'Tags' },
  { path: '/scheduler', page: 'scheduler', nav: 'Scheduler' },
  { path: '/partitions', page: 'partitions', nav: 'Partitions' },
  { path: '/users', page: 'users', nav: 'Users', needs: 'admin' },
  { path: '/audit', page: 'audit', nav: 'Audit log', needs: 'admin' },
];
