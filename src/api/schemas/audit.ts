// An audit event as GET /audit/events and GET /dashboard/activities answer it (src/projections/auditLog).
import { z } from 'zod';

export const auditEventSchema = z.object({
  event_id: z.string(),
  type: z.string(),
  occurred_at: z.string(),
  actor: z.object({ kind: z.string(), id: z.string() }),
  user_id: z.string().nullable(),
  username: z.string().nullable(),
  ip: z.string().nullable(),
  details: z
    .record(z.string(), z.unknown())
    .describe(
      "the rest of the event's data, by type (src/domain/audit/events.ts), e.g. a refused login's reason",
    ),
});
