// Response shapes shared by several routes.
import { z } from 'zod';
import { TAG_NAME_PATTERN } from '../../domain/tags/events.js';
import { roles } from '../../domain/users/roles.js';

export const userSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  role: z.enum(roles),
  is_active: z.boolean(),
  last_login_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const idParams = z.strictObject({ id: z.uuid({ error: 'expected a UUID' }) });

/** A query parameter `true` or `false`. */
export const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/** One tag name as TAG_NAME_PATTERN allows it, without its anchors. */
const tagName = TAG_NAME_PATTERN.source.replace(/^\^|\$$/g, '');
const tagList = new RegExp(`^${tagName}(,${tagName})*$`);
/** The `tag` filter of the instance, capacity, account and database reads: names, comma-separated, any case. */
export const tagFilterQuery = z
  .string()
  .max(1000)
  .regex(tagList, 'tag names (letters, digits, -, _, . and :), comma-separated')
  .optional()
  .describe('tag names, comma-separated, any case: instances holding every one of them');
