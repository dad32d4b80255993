// @Accepts('application/json') on a route that takes a body: a request whose Content-Type is
// missing or another media type is refused with 415 UNSUPPORTED_MEDIA_TYPE naming the accepted
// types (instead of a schema error about an undefined body). A guard of the route, so it runs after
// authentication (401/403 first, as on every route). Bodies of media types no parser knows are
// left unread until here (registerBodyParsers), so they get this answer too.
import { applyDecorators, type CanActivate, type ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiConsumes } from '@nestjs/swagger';
import { AppError } from '@emo/contracts';
import type { FastifyRequest } from 'fastify';

export const JSON_MEDIA_TYPE = 'application/json';

/** The media type of a Content-Type header (lower case, without parameters); '' when there is none. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
}

export function unsupportedMediaType(contentType: string | undefined, accepted: readonly string[]): AppError {
  const got = mediaTypeOf(contentType);
  return new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    `${got ? `Content-Type ${got} is not accepted here` : 'The request has no Content-Type'}: send the body as ${accepted.join(', ')}`,
    { accepted },
  );
}

export class MediaTypeGuard implements CanActivate {
  constructor(private readonly accepted: readonly string[]) {}

  canActivate(context: ExecutionContext): boolean {
    const contentType = context.switchToHttp().getRequest<FastifyRequest>().headers['content-type'];
    if (!this.accepted.includes(mediaTypeOf(contentType))) throw unsupportedMediaType(contentType, this.accepted);
    return true;
  }
}

/** The route takes a body of one of `types` (415 UNSUPPORTED_MEDIA_TYPE otherwise); also its OpenAPI `consumes`. */
export const Accepts = (...types: string[]) => applyDecorators(UseGuards(new MediaTypeGuard(types)), ApiConsumes(...types));
