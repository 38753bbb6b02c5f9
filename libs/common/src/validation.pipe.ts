import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import { ValidationFailed } from './domain-error.js';

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * A field that may be left out but, when present, must be valid: unlike @IsOptional(),
 * an explicit `null` is validated (and so refused) instead of silently ignored.
 */
export const Optional = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** PostgreSQL `integer` bounds: every integer we take goes to an int4 column, or to OFFSET/LIMIT where more is nonsense. */
export const INT4_MIN = -2_147_483_648;
export const INT4_MAX = 2_147_483_647;

/**
 * An integer within [min, max], both inside int4. Plain @IsInt() passes 1e21 (a JavaScript
 * integer), which PostgreSQL then refuses with a 500; every integer field uses this instead.
 */
export const IsSafeInt =
  (min = INT4_MIN, max = INT4_MAX): PropertyDecorator =>
  (target, key) => {
    IsInt()(target, key);
    Min(Math.max(min, INT4_MIN))(target, key);
    Max(Math.min(max, INT4_MAX))(target, key);
  };

/** Body DTOs must arrive as JSON objects: `null`, arrays and scalars are a 400, never a no-op. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationFailed('The request body must be a JSON object', [{ field: 'body', message: 'must be a JSON object' }]);
      }
    }
    return super.transform(value, metadata);
  }
}

/** Strict input validation: unknown fields and wrong types are a 400 naming every failing field. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new ValidationFailed(details.map((d) => d.message).join('; ') || 'Validation failed', details);
    },
  });
}
