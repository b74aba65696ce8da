// /dashboard (issue 15): what the web console's overview shows in one request each. The overview (instances,
// sessions of the last 24 h, accounts holding SUPERUSER / GRANT_ADMIN or locked, the fleet's size and its
// 30-day growth, projection lag, next scheduled runs, failed or partial sessions to look at), its chart
// series (one point per local day), the recent activities (sessions; audit events for the roles that may
// read the audit trail) and the status (health, lag, scheduler). Every figure comes from the read tables,
// the checks shared with /health, and the scheduler's read model; reading needs `view`.
import { jobCatalog } from '../../commands/scheduler/catalog.js';
import { can } from '../../domain/users/roles.js';
import { localDate, periodContaining, previousPeriod } from '../../domain/periods/periods.js';
import { capabilityCounts } from '../../projections/accounts/capabilityCounts.js';
import { listAuditEvents } from '../../projections/auditLog/queries.js';
import { dailyTotalSizes, totalSizeGrowth } from '../../projections/capacity/totals.js';
import { instanceStatistics } from '../../projections/instances/queries.js';
import { schedulerJobRows } from '../../projections/scheduler/queries.js';
import {
  dailySessionCounts,
  recentSessions,
  sessionCountsSince,
  sessionsNeedingAttention,
  sessionStatuses,
} from '../../projections/syncSessions/dashboard.js';
import type { ApiDeps } from '../deps.js';
import { healthChecks, healthReasons } from '../healthChecks.js';
import { keptWhileUnchanged } from '../pageTotals.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import {
  activitiesSchema,
  chartsQuery,
  chartsSchema,
  overviewSchema,
  statusSchema,
} from '../schemas/dashboard.js';
import { auditPermission } from './audit.js';
import { jobView } from './scheduler.js';
import type { z } from 'zod';

const tag = 'dashboard';
const view = { permission: 'view' } as const;
/** The checks answer within this (the overview and the status stay under 2 s, as /health/detailed). */
const CHECK_BUDGET_MS = 1500;
const DAY_MS = 86_400_000;
const GROWTH_DAYS = 30;
const ATTENTION_DAYS = 7;
const RECENT = 20;
/** How old a kept overview may be before it is computed again (a dashboard polls every few seconds). */
const OVERVIEW_MAX_AGE_MS = 2000;
/**
 * How old an overview may be when served while a newer one is computed (its `generated_at` says its
 * age): requests never wait for a recomputation, only for the first one and once this passed.
 */
const OVERVIEW_STALE_MS = 10_000;

type OverviewAnswer = { data: z.infer<typeof overviewSchema> };

/** The `count` local days up to today, oldest first (YYYY-MM-DD). */
function lastDays(today: string, count: number): string[] {
  const days = [periodContaining('daily', today)];
  while (days.length < count) days.unshift(previousPeriod(days[0]!));
  return days.map((d) => d.start);
}

export function dashboardRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, config, scheduler } = deps;
  const checks = healthChecks(deps);
  const jobs = async (now: Date) => {
    const rows = await schedulerJobRows(knex);
    return jobCatalog.map((spec) => jobView(spec, rows.get(spec.id), config.timezone, now));
  };

  // Every client polls the overview and it costs 25 statements: computed once per state of the read
  // tables, again after OVERVIEW_MAX_AGE_MS (its lag, 24 h window and next runs follow the clock), while
  // the last answer is served (at most OVERVIEW_STALE_MS old).
  const keptOverview = keptWhileUnchanged<OverviewAnswer>(deps.projections, {
    maxAgeMs: OVERVIEW_MAX_AGE_MS,
    staleMs: OVERVIEW_STALE_MS,
  });
  const overview = async (): Promise<OverviewAnswer> => {
    const now = new Date();
    const since = new Date(now.getTime() - DAY_MS);
    const [instances, sessions, accounts, capacity, projections, jobList, attention] = await Promise.all([
      instanceStatistics(knex),
      sessionCountsSince(knex, since),
      capabilityCounts(knex),
      totalSizeGrowth(knex, localDate(now, config.timezone), GROWTH_DAYS),
      checks.projectionLags(CHECK_BUDGET_MS),
      jobs(now),
      sessionsNeedingAttention(knex, new Date(now.getTime() - ATTENTION_DAYS * DAY_MS), RECENT),
    ]);
    const nextRuns = jobList
      .filter((j) => j.next_run !== null)
      .map((j) => ({
        job_id: j.id,
        description: j.description,
        next_run: j.next_run!,
        cron: j.cron,
        timezone: j.timezone,
      }))
      .sort((a, b) => a.next_run.localeCompare(b.next_run));
    return {
      data: {
        generated_at: now.toISOString(),
        instances,
        sessions_24h: {
          since: since.toISOString(),
          total: Object.values(sessions).reduce((n, c) => n + c, 0),
          by_status: sessions,
        },
        accounts,
        capacity,
        projections,
        next_runs: nextRuns,
        attention,
      },
    };
  };

  return [
    defineRoute({
      method: 'get',
      path: '/dashboard/overview',
      tag,
      summary:
        'Instances by engine and state, last 24 h sessions by outcome, SUPERUSER / GRANT_ADMIN / locked accounts, total size and 30-day growth, lag, next runs, attention',
      access: view,
      response: overviewSchema,
      handler: () => keptOverview('overview', overview),
    }),
    defineRoute({
      method: 'get',
      path: '/dashboard/charts',
      tag,
      summary:
        'Series for the overview, one point per local day over the last `days` (default 14, at most 90): sessions started by outcome, total size',
      access: view,
      query: chartsQuery,
      response: chartsSchema,
      handler: async ({ query }) => {
        const days = lastDays(localDate(new Date(), config.timezone), query.days);
        const [from, to] = [days[0]!, days[days.length - 1]!];
        const [sessions, sizes] = await Promise.all([
          dailySessionCounts(knex, from, to, config.timezone),
          dailyTotalSizes(knex, from, to),
        ]);
        return {
          data: {
            days: query.days,
            from,
            to,
            timezone: config.timezone,
            series: [
              ...sessionStatuses.map((status) => ({
                name: `sessions_${status}`,
                unit: 'sessions' as const,
                points: days.map((t) => ({ t, v: sessions.get(t)?.[status] ?? 0 })),
              })),
              {
                name: 'total_size_mb',
                unit: 'MB' as const,
                points: days.map((t) => ({ t, v: sizes.get(t) ?? null })),
              },
            ],
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/dashboard/activities',
      tag,
      summary: `The latest ${RECENT} sessions with their progress; the latest ${RECENT} audit events for a role with '${auditPermission}' (as GET /audit/events)`,
      access: view,
      response: activitiesSchema,
      handler: async ({ user }) => {
        const mayAudit = user !== undefined && can(user.row.role, auditPermission);
        const [sessions, audit] = await Promise.all([
          recentSessions(knex, RECENT),
          mayAudit ? listAuditEvents(knex, {}, { page: 1, limit: RECENT }) : undefined,
        ]);
        return { data: { sessions, ...(audit ? { audit_events: audit.items } : {}) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/dashboard/status',
      tag,
      summary:
        "Health (database, event store, migrations), each projection's lag, and the scheduler: on in this process?, each job's next run and last run",
      access: view,
      response: statusSchema,
      handler: async () => {
        const [database, eventStore, migrations, projections, jobList] = await Promise.all([
          checks.database(CHECK_BUDGET_MS),
          checks.eventStore(CHECK_BUDGET_MS),
          checks.migrations(CHECK_BUDGET_MS),
          checks.projectionLags(CHECK_BUDGET_MS),
          jobs(new Date()),
        ]);
        const found = { database, event_store: eventStore, migrations, projections };
        const reasons = healthReasons(found);
        return {
          data: {
            status: reasons.length === 0 ? ('ok' as const) : ('degraded' as const),
            reasons,
            ...found,
            scheduler: { enabled: scheduler !== undefined, jobs: jobList },
          },
        };
      },
    }),
  ];
}
