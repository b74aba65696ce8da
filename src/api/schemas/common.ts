// Response shapes shared by several routes.
import { z } from 'zod';
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
