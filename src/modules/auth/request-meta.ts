import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from './auth.service.js';

/** The caller's address (rate limiting) and the request id (audit entries). */
export const Meta = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  return { ip: request.ip, requestId: String(request.id) };
});
