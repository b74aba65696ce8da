import type { Request } from 'express';
import type { CommandContext } from '../commands/commandContext.js';
import type { AuthenticatedUser } from './middleware/authenticate.js';
import { requestIdOf } from './middleware/requestId.js';

/** Who did it and under which request: the metadata of the events a route's command appends. */
export const commandContext = (req: Request, user: AuthenticatedUser | undefined): CommandContext => ({
  actor: user ? { kind: 'user', id: user.row.id } : { kind: 'user', id: 'anonymous' },
  correlationId: requestIdOf(req),
  now: new Date(),
});
