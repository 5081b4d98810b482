/** Assembles the HTTP application from the gates. */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Redis } from 'ioredis';
import type { App } from './app.ts';
import { ping } from './store/database.ts';
import { GatehouseError } from './core/errors.ts';
import { validatorCompiler } from './gates/api/validation.ts';
import { errorHandler } from './gates/api/errors.ts';
import { authenticator } from './gates/api/authenticate.ts';
import { addSecurityHeaders } from './gates/security-headers.ts';
import { multipartOnlyWhereConsumed, type Api } from './gates/api/http.ts';
import { usersRoutes } from './gates/api/users/routes.ts';
import { photoRoutes } from './gates/api/users/photo-routes.ts';
import { collectionRoutes } from './gates/api/collections/routes.ts';
import { adminRoutes } from './gates/api/admin/routes.ts';
import { importRoutes } from './gates/api/imports/routes.ts';
import { CsvImports } from './gates/csv/imports.ts';
import { forbiddenKeyError } from './gates/api/json-body.ts';
import { overviewRoutes } from './gates/api/overview/routes.ts';
import { directoryRoutes } from './gates/api/directories/routes.ts';
import { scimDirectoryRoutes } from './gates/api/directories/scim-log-routes.ts';
import { scimRoutes } from './gates/scim/routes.ts';
import { sessionRoutes } from './gates/console/session-routes.ts';
import { ssoRoutes } from './gates/sso/routes.ts';
import { identityProviderRoutes } from './gates/api/identity-providers/routes.ts';
import { identitiesRoutes } from './gates/api/users/identities-routes.ts';
import { consoleRoutes } from './gates/console/static.ts';
import { trackRequestsInFlight } from './gates/in-flight.ts';

export const API_PREFIX = '/api/people/v2';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export async function buildServer(
  app: App,
  opts: { logger?: boolean } = {},
): Promise<FastifyInstance> {
  const { config } = app;
  const server = Fastify({
    logger:
      opts.logger === false
        ? false
        : { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  server.setValidatorCompiler(validatorCompiler);
  server.setErrorHandler(errorHandler);
  server.setNotFoundHandler((req, reply) =>
    errorHandler(
      new GatehouseError(
        'route_not_found',
        `There is no ${req.method} ${req.url.split('?')[0]}. See ${API_PREFIX}/openapi.json for the API.`,
      ),
      req,
      reply,
    ),
  );
  server.addHook('onRequest', (req, reply, next) => {
    void reply.header('x-request-id', req.id);
    next();
  });
  trackRequestsInFlight(server);

  addSecurityHeaders(server, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        // Only behind HTTPS: over plain HTTP it would make browsers fetch the console's assets over https.
        upgradeInsecureRequests: config.cookieSecure ? [] : null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  await server.register(cookie);
  await server.register(multipart, { limits: { fileSize: config.photoLimitBytes, files: 1 } });
  await server.register(rateLimit, {
    global: false,
    ...(config.redisUrl
      ? {
          redis: new Redis(config.redisUrl, {
            connectTimeout: 2000,
            maxRetriesPerRequest: 1,
            lazyConnect: false,
          }),
          nameSpace: 'gatehouse-rl-',
        }
      : {}),
    errorResponseBuilder: () => new GatehouseError('rate_limited'),
  });
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse People API',
        version: '2.0.0',
        description:
          'People API v2: people, groups, roles, extranet areas, profile fields, API keys and the audit log. Authenticate with `Authorization: Bearer <API key>`.',
      },
      servers: config.publicUrl ? [{ url: config.publicUrl }] : [],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key made in the console or with `gatehouse apikey create`.',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _base, _frag, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await server.register(swaggerUi, { routePrefix: `${API_PREFIX}/docs`, staticCSP: true });

  const auth = authenticator(app);
  await server.register(
    (api: Api, _opts, done) => {
      api.addHook('onRequest', auth);
      // Fastify parses text/plain by default; the API takes JSON (415 otherwise). The CSV
      // import route adds its own parsers in its own scope.
      api.removeContentTypeParser('text/plain');
      acceptEmptyJson(api);
      api.addHook('preValidation', multipartOnlyWhereConsumed);
      usersRoutes(api, app);
      photoRoutes(api, app);
      collectionRoutes(api, app);
      adminRoutes(api, app);
      importRoutes(api, app);
      overviewRoutes(api, app);
      identityProviderRoutes(api, app);
      identitiesRoutes(api, app);
      directoryRoutes(api, app);
      scimDirectoryRoutes(api, app);
      api.get('/openapi.json', { schema: { hide: true } }, () => server.swagger());
      done();
    },
    { prefix: API_PREFIX },
  );
  await server.register(
    (api: Api, _opts, done) => {
      api.addHook('onRequest', auth);
      api.removeContentTypeParser('text/plain');
      acceptEmptyJson(api);
      sessionRoutes(api, app);
      done();
    },
    { prefix: '/api' },
  );

  server.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    const ok = await ping(app.store);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'database unreachable' });
  });

  // SCIM 2.0 (issue 9): its own scope, token, parsers and error schema.
  await scimRoutes(server, app);
  ssoRoutes(server, app);
  await consoleRoutes(server, app);
  // Imports whose process stopped (a restart, a crash) read `interrupted` from the start.
  await new CsvImports(app.store, app.core).interruptStoppedRuns();
  return server;
}

/**
 * Many clients send `Content-Type: application/json` on every request, bodyless DELETEs
 * included. An empty body is then no body (a route that needs one answers 400 naming it),
 * not a parse error; anything else goes to Fastify's own JSON parser, with its
 * prototype-poisoning protection.
 */
function acceptEmptyJson(scope: FastifyInstance): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') done(null, undefined);
    else
      void parseJson(req, text, (err, value) =>
        // A refusal of valid JSON is prototype poisoning: say so (json-body.ts).
        err ? done(forbiddenKeyError(text) ?? err, undefined) : done(null, value),
      );
  });
}
