// Bearer API keys from API_KEYS: 401 without a key, 403 with a wrong one. Keys are compared as
// SHA-256 digests with timingSafeEqual, so the time taken tells nothing about a key's prefix.
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG } from '../tokens';
import { IS_PUBLIC } from './public.decorator';

const digest = (s: string) => createHash('sha256').update(s).digest();

@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    this.keys = config.api.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0) return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw new AppError('UNAUTHORIZED', 'Missing API key: send "Authorization: Bearer <key>"');
    const given = digest(match[1]);
    let ok = false;
    for (const key of this.keys) ok = timingSafeEqual(given, key) || ok;
    if (!ok) throw new AppError('FORBIDDEN');
    return true;
  }
}
