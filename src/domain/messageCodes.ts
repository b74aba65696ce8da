// The message-code catalog (docs/api.md#message-codes): each code's HTTP status, default message and
// whether retrying the same request can succeed. Every error the API returns carries one of these.
export const messageCodes = {
  // generic
  INVALID_REQUEST: { status: 400, message: 'The request is malformed.', recoverable: false },
  VALIDATION_ERROR: { status: 400, message: 'Some fields are invalid.', recoverable: false },
  RESOURCE_NOT_FOUND: { status: 404, message: 'The resource does not exist.', recoverable: false },
  CONSTRAINT_VIOLATION: {
    status: 409,
    message: 'The change conflicts with existing data.',
    recoverable: false,
  },
  PERMISSION_DENIED: { status: 403, message: 'You do not have permission to do this.', recoverable: false },
  PERMISSION_REQUIRED: {
    status: 403,
    message: 'This action needs a permission you do not have.',
    recoverable: false,
  },
  AUTHENTICATION_REQUIRED: { status: 401, message: 'Log in to continue.', recoverable: true },
  TASK_EXECUTION_FAILED: { status: 500, message: 'The task failed.', recoverable: true },
  DATABASE_QUERY_ERROR: { status: 500, message: 'A database query failed.', recoverable: true },
  DATABASE_TIMEOUT: { status: 504, message: 'The database did not answer in time.', recoverable: true },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side.', recoverable: true },
  // HTTP edge
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.', recoverable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.', recoverable: false },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.', recoverable: false },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is not ready.', recoverable: true },
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: 'The service database is unavailable; retry.',
    recoverable: true,
  },
  READ_TABLES_BEHIND: {
    status: 503,
    message:
      'Your change was recorded, but the read tables did not show it in time: read it back shortly instead of sending it again.',
    recoverable: false,
  },
  // auth
  CSRF_MISSING: { status: 403, message: 'The X-CSRF-Token header is missing.', recoverable: true },
  CSRF_INVALID: { status: 403, message: 'The CSRF token is invalid or expired.', recoverable: true },
  ADMIN_PERMISSION_REQUIRED: { status: 403, message: 'Only administrators can do this.', recoverable: false },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong username or password.', recoverable: true },
  ACCOUNT_DISABLED: { status: 403, message: 'This account is disabled.', recoverable: false },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Too many attempts; try again later.', recoverable: true },
  INVALID_OLD_PASSWORD: { status: 401, message: 'The current password is wrong.', recoverable: true },
  PASSWORD_INVALID: { status: 400, message: 'The password does not meet the rules.', recoverable: false },
  PASSWORD_MISMATCH: { status: 400, message: 'The passwords do not match.', recoverable: false },
  // writes
  USERNAME_EXISTS: { status: 409, message: 'That username is taken.', recoverable: false },
  LAST_ADMIN_REQUIRED: {
    status: 400,
    message: 'At least one active administrator must remain.',
    recoverable: false,
  },
  NAME_EXISTS: { status: 409, message: 'That name is taken.', recoverable: false },
  INSTANCE_DUPLICATE: {
    status: 409,
    message: 'Another instance monitors the same server.',
    recoverable: false,
  },
  EXPRESSION_DUPLICATED: { status: 400, message: 'An identical rule expression exists.', recoverable: false },
  DSL_V4_REQUIRED: { status: 400, message: 'Rules must use DSL version 4.', recoverable: false },
  INVALID_DSL_EXPRESSION: { status: 400, message: 'The rule expression is invalid.', recoverable: false },
  FORBIDDEN: { status: 403, message: 'Forbidden.', recoverable: false },
  // classification rules, as evaluation reports them per node (a write is refused with INVALID_DSL_EXPRESSION)
  UNKNOWN_DSL_FUNCTION: { status: 400, message: 'The rule names an unknown function.', recoverable: false },
  INVALID_DSL_ARGS: { status: 400, message: 'A rule function has invalid arguments.', recoverable: false },
  MISSING_DSL_ARGS: { status: 400, message: 'A rule function misses an argument.', recoverable: false },
  // domain
  TAG_IN_USE: { status: 409, message: 'The tag is still assigned.', recoverable: false },
  TAG_INACTIVE: { status: 409, message: 'The tag is inactive; reactivate it first.', recoverable: false },
  INSTANCE_DELETED: {
    status: 409,
    message: 'The instance is in the recycle bin; restore it first.',
    recoverable: false,
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was used for a different request.',
    recoverable: false,
  },
  CLASSIFICATION_IN_USE: { status: 409, message: 'The classification is still in use.', recoverable: false },
  SYSTEM_CLASSIFICATION: {
    status: 400,
    message: 'System classifications cannot be changed.',
    recoverable: false,
  },
  REQUEST_DATA_EMPTY: { status: 400, message: 'The request has no data.', recoverable: false },
  SNAPSHOT_MISSING: { status: 409, message: 'No permission snapshot was collected yet.', recoverable: true },
  PERMISSION_FACTS_MISSING: {
    status: 409,
    message: 'No permission facts were collected yet.',
    recoverable: true,
  },
  SYNC_DATA_ERROR: { status: 409, message: 'The sync data is inconsistent.', recoverable: true },
  CONCURRENT_MODIFICATION: {
    status: 409,
    message: 'The data changed while the change was decided; try again.',
    recoverable: true,
  },
  JOB_RUNNING: { status: 409, message: 'A run of this job is going; wait for it to end.', recoverable: true },
  SYNC_ALREADY_RUNNING: {
    status: 409,
    message: 'Another sync of this instance is running.',
    recoverable: true,
  },
  DATABASE_CONNECTION_ERROR: {
    status: 409,
    message: 'Could not connect to the database instance.',
    recoverable: true,
  },
  INVENTORY_GUARD_TRIPPED: {
    status: 409,
    message: 'The inventory would deactivate too many accounts; confirm it to apply it.',
    recoverable: true,
  },
} as const satisfies Record<string, { status: number; message: string; recoverable: boolean }>;

export type MessageCode = keyof typeof messageCodes;

export const isMessageCode = (code: unknown): code is MessageCode =>
  typeof code === 'string' && Object.hasOwn(messageCodes, code);
