// The one error handler: every failure becomes the error envelope with a catalog code. Unknown errors
// are INTERNAL_ERROR with an error_id; their details go to the log only. An unreachable database is
// 503 DATABASE_UNAVAILABLE (the caller may retry), never a 500.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import { AppError, errorMessage } from '../../domain/errors.js';
import { messageCodes, type MessageCode } from '../../domain/messageCodes.js';
import type { Logger } from '../../logger.js';
import type { ErrorBody } from '../envelope.js';
import { requestIdOf } from './requestId.js';

export const errorBody = (
  code: MessageCode,
  errorId: string,
  message?: string,
  context?: Record<string, unknown>,
): ErrorBody => ({
  success: false,
  message_code: code,
  message: message ?? messageCodes[code].message,
  timestamp: new Date().toISOString(),
  error_id: errorId,
  recoverable: messageCodes[code].recoverable,
  ...(context ? { context } : {}),
});

export const zodFields = (error: ZodError) =>
  error.issues.map((i) => ({
    field: i.path.map(String).join('.') || '(body)',
    message: i.message,
    ...(i.code === 'unrecognized_keys' ? { unknown: i.keys } : {}),
  }));

/** body-parser and friends mark client errors with `type` and `status`. */
function fromHttpError(err: { type?: unknown; status?: unknown }): MessageCode | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return 'INVALID_REQUEST';
    case 'entity.too.large':
      return 'PAYLOAD_TOO_LARGE';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'UNSUPPORTED_MEDIA_TYPE';
  }
  return typeof err.status === 'number' && err.status >= 400 && err.status < 500
    ? 'INVALID_REQUEST'
    : undefined;
}

const httpMessages: Partial<Record<MessageCode, string>> = {
  INVALID_REQUEST: 'The request body is not valid JSON, or not a JSON object or array.',
};

const isPgInputError = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
};

/**
 * The database gate answered this request 503 while its handler still ran (the database went away);
 * whatever the handler does or throws afterwards is dropped.
 */
export const markAnsweredEarly = (res: Response): void => {
  res.locals.answeredEarly = true;
};

export function errorHandler(
  logger: Logger,
  isDatabaseUnavailable: (err: unknown) => boolean,
): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const errorId = requestIdOf(req);
    if (res.locals.answeredEarly === true) {
      logger.debug({ err, errorId }, 'a request answered 503 early failed afterwards');
      return;
    }
    let code: MessageCode;
    let message: string | undefined;
    let context: Record<string, unknown> | undefined;
    if (err instanceof AppError) {
      ({ code, message, context } = err);
      if (code === 'READ_TABLES_BEHIND')
        logger.warn(
          { errorId, method: req.method, url: req.originalUrl, cause: errorMessage(err.cause) },
          'a write was recorded but the read tables did not show it in time',
        );
    } else if (err instanceof ZodError) {
      code = 'VALIDATION_ERROR';
      context = { fields: zodFields(err) };
    } else if (isPgInputError(err)) {
      // Text PostgreSQL cannot store (bad encoding, NUL): the caller's input, not our failure.
      code = 'INVALID_REQUEST';
      message = 'The request contains characters that cannot be stored.';
    } else if (isDatabaseUnavailable(err)) {
      code = 'DATABASE_UNAVAILABLE';
      logger.warn({ err, errorId, method: req.method, url: req.originalUrl }, 'the database is unavailable');
    } else if (err instanceof URIError) {
      code = 'INVALID_REQUEST';
      message = 'The URL is not correctly encoded.';
    } else {
      const http = err && typeof err === 'object' ? fromHttpError(err) : undefined;
      if (http) {
        code = http;
        message =
          (err as { type?: unknown }).type === 'entity.parse.failed'
            ? httpMessages.INVALID_REQUEST
            : undefined;
      } else {
        code = 'INTERNAL_ERROR';
        logger.error({ err, errorId, method: req.method, url: req.originalUrl }, 'unhandled error');
      }
    }
    if (res.headersSent) return;
    res.status(messageCodes[code].status).json(errorBody(code, errorId, message, context));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('RESOURCE_NOT_FOUND', `no route for ${req.method} ${req.path}`));
};
