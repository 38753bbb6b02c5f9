import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Tenantry API')
    .setDescription(
      'Schema-per-tenant platform for AI-assistant workspaces. Tenant-scoped routes (/api/v1/...) take the tenant from ' +
        'X-Tenant-ID / X-Tenant-Slug, the subdomain of BASE_DOMAIN, or a /api/v1/{slug}/ prefix. Errors: ' +
        '{statusCode, error, message, code?, details?}.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
