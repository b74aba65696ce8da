// The OpenAPI 3.1 document, generated from the same route definitions that are mounted.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { envelopeSchemas } from './envelope.js';
import { toOpenApiPath, type RouteDefinition } from './route.js';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: envelopeSchemas.error } },
});

/** What GET /openapi.json sends (raw, without the envelope): the top of the document this module builds. */
export const openApiDocumentSchema = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string(), version: z.string(), description: z.string().optional() }),
  servers: z.array(z.object({ url: z.string() })).optional(),
  paths: z.record(
    z.string(),
    z.record(z.string(), z.record(z.string(), z.unknown()).describe('an OpenAPI operation object')),
  ),
  components: z.record(z.string(), z.unknown()).optional().describe('schemas and security schemes'),
  webhooks: z.record(z.string(), z.unknown()).optional().describe('none: the API sends no webhooks'),
});

export function buildOpenApiDocument(routes: readonly RouteDefinition[], version: string) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  registry.registerComponent('securitySchemes', 'cookieAuth', {
    type: 'apiKey',
    in: 'cookie',
    name: 'wf_session',
  });
  for (const route of routes) {
    // A raw route sends its data as the whole body; every other one inside the success envelope.
    // A file route (CSV export) sends the file itself; a stream route (text/event-stream) its events,
    // each carrying `response` as its data.
    const body =
      route.raw || route.contentType
        ? route.response
        : route.paged
          ? envelopeSchemas.page(route.response)
          : envelopeSchemas.success(route.response);
    registry.registerPath({
      method: route.method,
      path: `/api/v1${toOpenApiPath(route.path)}`,
      summary: route.summary,
      tags: [route.tag],
      security: route.access === 'public' ? [] : [{ bearerAuth: [] }, { cookieAuth: [] }],
      ...(route.access !== 'public'
        ? { description: `Needs the '${route.access.permission}' permission.` }
        : {}),
      request: {
        ...(route.params ? { params: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(route.body ? { body: { content: { 'application/json': { schema: route.body } } } } : {}),
      },
      responses: {
        [String(route.status ?? 200)]: {
          description: 'Success',
          content: { [route.contentType ?? 'application/json']: { schema: body } },
        },
        '400': errorResponse('VALIDATION_ERROR or INVALID_REQUEST'),
        ...(route.access === 'public'
          ? {}
          : {
              '401': errorResponse('AUTHENTICATION_REQUIRED'),
              '403': errorResponse('PERMISSION_DENIED, CSRF_MISSING, CSRF_INVALID'),
            }),
        '500': errorResponse('INTERNAL_ERROR'),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'whalefall API',
      version,
      description:
        'Event-sourced account, permission and capacity sync for database fleets. Authenticate with a bearer JWT from POST /auth/login, or with the session cookie plus X-CSRF-Token on writes.',
    },
    servers: [{ url: '/' }],
  });
}
