// The one OpenAPI schema of every error answer, `{ "error": { code, message, details? } }` (what
// AppErrorFilter sends), and @ApiErrors(...codes), which documents a route's error responses with
// it: one response per HTTP status, the status taken from the registry, the codes listed in it,
// always as application/json (also on routes whose answer is NDJSON or server-sent events).
import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '@emo/contracts';

export class ErrorBodyError {
  @ApiProperty({ enum: Object.keys(ERROR_CODES), description: 'Stable code from the registry (libs/contracts/src/error-codes.ts)' })
  code!: ErrorCode;
  @ApiProperty({ type: String, description: 'What went wrong, for people' }) message!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Facts a program may use (a limit, an index, the accepted media types, the job id of a 504)',
  })
  details?: Record<string, unknown>;
}

export class ErrorBody {
  @ApiProperty({ type: ErrorBodyError }) error!: ErrorBodyError;
}

/** Every route: a key in the query string is refused before anything else. */
export const ANY_ROUTE_ERRORS: readonly ErrorCode[] = ['API_KEY_IN_QUERY'];
/** Routes that need an API key (and a scope). */
export const AUTH_ERRORS: readonly ErrorCode[] = [...ANY_ROUTE_ERRORS, 'UNAUTHORIZED', 'FORBIDDEN', 'SCOPE_MISSING'];
/** Routes that take a JSON body. */
export const JSON_BODY_ERRORS: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_INVALID'];
/** Routes whose answer needs the queue Redis. */
export const QUEUE_ERRORS: readonly ErrorCode[] = ['QUEUE_UNAVAILABLE'];

/** Documents the error responses of a route: `codes` grouped by their registry status, each with the shared ErrorBody schema. */
export function ApiErrors(...codes: readonly ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CODES[code].httpStatus;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ErrorBody),
    ...[...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) =>
        ApiResponse({
          status,
          description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].message}`).join('; '),
          // Errors are JSON even where the route's answer is NDJSON or server-sent events (@ApiProduces).
          content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBody) } } },
        }),
      ),
  );
}
