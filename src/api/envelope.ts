// Response envelopes (docs/api.md#response-envelopes) and paging.
import { z } from 'zod';
import type { MessageCode } from '../domain/messageCodes.js';
import { pageMeta, type PageMeta, type Paging } from '../domain/paging.js';

export { pageMeta, type PageMeta };

export const success = <T>(data: T, message = 'ok', meta?: PageMeta) => ({
  success: true as const,
  message,
  timestamp: new Date().toISOString(),
  data,
  ...(meta ? { meta } : {}),
});

export interface ErrorBody {
  success: false;
  message_code: MessageCode;
  message: string;
  timestamp: string;
  error_id: string;
  recoverable: boolean;
  context?: Record<string, unknown>;
}

export const MAX_PAGE_SIZE = 100;

/** page/limit query parameters with a maximum; merged into every list endpoint's query schema. */
export const pagingQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
});

/** A list route's answer: one page of items and its paging meta. */
export const pageOf = async <T>(
  paging: Paging,
  page: Promise<{ items: T[]; total: number }>,
): Promise<{ data: T[]; meta: PageMeta }> => {
  const { items, total } = await page;
  return { data: items, meta: pageMeta(paging, total) };
};

/** The from/to query parameters (ISO instants) of a list filtered by time. */
export const timeRange = (query: { from?: string | undefined; to?: string | undefined }) => ({
  from: query.from ? new Date(query.from) : undefined,
  to: query.to ? new Date(query.to) : undefined,
});

const errorSchema = z.object({
  success: z.literal(false),
  message_code: z.string(),
  message: z.string(),
  timestamp: z.string(),
  error_id: z.string(),
  recoverable: z.boolean(),
  context: z.record(z.string(), z.unknown()).optional(),
});

export const envelopeSchemas = {
  error: errorSchema,
  success: <T extends z.ZodType>(data: T) =>
    z.object({ success: z.literal(true), message: z.string(), timestamp: z.string(), data }),
  page: <T extends z.ZodType>(item: T) =>
    z.object({
      success: z.literal(true),
      message: z.string(),
      timestamp: z.string(),
      data: z.array(item),
      meta: z.object({ page: z.number(), limit: z.number(), total: z.number(), pages: z.number() }),
    }),
};
