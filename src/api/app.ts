// The Express application: everything under /api/v1, one error envelope, OpenAPI at /api/v1/openapi.json
// and Swagger UI at /api/v1/docs; the web console at / (webConsole.ts).
import cookieParser from 'cookie-parser';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import type { z } from 'zod';
import type { ApiDeps } from './deps.js';
import { installMetrics } from './metrics/endpoint.js';
import { makeAuthenticate } from './middleware/authenticate.js';
import { databaseGate } from './middleware/databaseGate.js';
import { errorHandler, notFoundHandler } from './middleware/errors.js';
import { mountRoutes } from './mount.js';
import { requestLogOptions } from './requestLog.js';
import { webConsole } from './webConsole.js';
import { buildOpenApiDocument, openApiDocumentSchema } from './openapi.js';
import { defineRoute, type RouteDefinition } from './route.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { capacityRoutes } from './routes/capacity.js';
import { classificationRuleRoutes } from './routes/classificationRules.js';
import { classificationRoutes } from './routes/classifications.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { databaseRoutes } from './routes/databases.js';
import { eventStreamRoutes } from './routes/eventStream.js';
import { authRoutes } from './routes/auth.js';
import { connectionRoutes } from './routes/connections.js';
import { credentialRoutes } from './routes/credentials.js';
import { instanceWriteRoutes } from './routes/instanceWrites.js';
import { instanceRoutes } from './routes/instances.js';
import { partitionRoutes } from './routes/partitions.js';
import { healthRoutes } from './routes/health.js';
import { schedulerRoutes } from './routes/scheduler.js';
import { syncSessionRoutes } from './routes/syncSessions.js';
import { tagRoutes } from './routes/tags.js';
import { userRoutes } from './routes/users.js';

export const API_PREFIX = '/api/v1';

export interface ApiApp {
  app: Express;
  /** Every route definition mounted under /api/v1 (the OpenAPI document lists exactly these). */
  routes: readonly RouteDefinition[];
  router: Router;
}

/** The application over the dependencies the composition root built (composeApi in src/compose.ts). */
export function createApp(deps: ApiDeps): ApiApp {
  const { config, logger, database } = deps;
  const routes: RouteDefinition[] = [
    ...healthRoutes(deps),
    ...authRoutes(deps),
    ...userRoutes(deps),
    ...auditRoutes(deps),
    ...credentialRoutes(deps),
    ...connectionRoutes(deps),
    ...instanceRoutes(deps),
    ...instanceWriteRoutes(deps),
    ...syncSessionRoutes(deps),
    ...accountRoutes(deps),
    ...classificationRuleRoutes(deps),
    // The fixed /accounts/classifications/... paths before /accounts/classifications/:id (their order).
    ...classificationRoutes(deps),
    ...capacityRoutes(deps),
    ...databaseRoutes(deps),
    ...partitionRoutes(deps),
    ...tagRoutes(deps),
    ...schedulerRoutes(deps),
    ...dashboardRoutes(deps),
    ...eventStreamRoutes(deps),
    openApiRoute(() => document),
  ];
  const document = buildOpenApiDocument(routes, deps.version);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // No ETag on API answers: each envelope has its own timestamp, so no two answers are equal and a
  // conditional GET could never be answered 304, while hashing the body cost 5 % of a 5.5 MB session GET.
  // The console's static files keep theirs (serve-static sets its own).
  app.set('etag', false);
  app.use(pinoHttp(requestLogOptions(logger)));
  app.use(helmet({ contentSecurityPolicy: { directives: contentSecurityPolicy(config.cookieSecure) } }));
  app.use(cookieParser());
  // GET /metrics (when METRICS_TOKEN is set) and the request histogram, before every route it times.
  installMetrics(app, deps);
  // Before the body parser: while the database is away a request is answered without reading its body.
  if (database) app.use(API_PREFIX, databaseGate(database));
  app.use(API_PREFIX, express.json({ limit: config.httpBodyLimit, strict: true }));

  const router = express.Router();
  mountRoutes(router, routes, { authenticate: makeAuthenticate(deps.authentication), csrf: deps.csrf });
  // Swagger UI's page has inline styles: it keeps helmet's default policy, which allows them.
  app.use(`${API_PREFIX}/docs`, helmet(), swaggerUi.serve, swaggerUi.setup(document as swaggerUi.JsonObject));
  app.use(API_PREFIX, router);
  app.use(webConsole(deps.webDir));
  app.use(notFoundHandler);
  app.use(errorHandler(logger, deps.isDatabaseUnavailable));
  return { app, routes, router };
}

/**
 * Helmet's defaults, stricter for the console: scripts, styles, images and API calls from this origin only
 * (the bundle has everything; styles set by script go through the CSSOM, which style-src does not block).
 * upgrade-insecure-requests only when cookies are marked secure: on plain HTTP inside a network it would
 * send the browser to an https:// that does not exist.
 */
const contentSecurityPolicy = (cookieSecure: 'auto' | boolean) => ({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'upgrade-insecure-requests': cookieSecure === true ? [] : null,
});

function openApiRoute(document: () => unknown): RouteDefinition {
  return defineRoute({
    method: 'get',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document (browse it at /api/v1/docs)',
    access: 'public',
    raw: true,
    response: openApiDocumentSchema,
    handler: () => Promise.resolve({ data: document() as z.input<typeof openApiDocumentSchema> }),
  });
}
