// OpenAPI at /docs (UI) and /docs/openapi.json, served per API_DOCS: `public` to anyone, `admin`
// to admin keys only (a deployment may not want its routes and limits listed to every caller),
// `off` not at all (404 like any unknown path). The docs are Swagger's routes, not Nest
// controllers, so the admin check is a Fastify hook of their own over the TenantAuthenticator.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ApiConfig } from '@emo/config';
import { AppError, hasScope } from '@emo/contracts';
import type { TenantAuthenticator } from '../tenancy/tenant-authenticator';

const DOCS_PATH = /^\/docs(?:[/?#]|$)/;

export function setupApiDocs(app: NestFastifyApplication, mode: ApiConfig['apiDocs'], authenticator: TenantAuthenticator): void {
  if (mode === 'off') return;
  if (mode === 'admin') {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (request, reply) => {
        if (!DOCS_PATH.test(request.url)) return;
        try {
          const tenant = authenticator.authenticate(request.headers.authorization);
          if (!hasScope(tenant, 'admin')) throw new AppError('SCOPE_MISSING', 'This route needs the "admin" scope', { scope: 'admin' });
        } catch (e) {
          const err = e instanceof AppError ? e : new AppError('INTERNAL');
          await reply.code(err.httpStatus).type('application/json').send(err.toBody());
          return reply;
        }
      });
  }
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('emo-fleet API')
      .setDescription('Emotion classification (GoEmotions) through a queue-backed fleet: sync classify, async jobs, NDJSON results.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  // Both documents under /docs/ (Swagger's defaults, /docs-json and /docs-yaml, would sit outside the admin check).
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}
