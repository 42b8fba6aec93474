import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import type { RequestWithUser } from '../auth/authenticated-user.js';

/** Who is calling and the request id, for services that audit what they change. */
export interface RequestContext {
  user: AuthenticatedUser;
  requestId: string;
}

/** The signed-in caller and the request id (routes that declare @Roles or @Authenticated). */
export const ReqContext = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestContext => {
  const request = ctx.switchToHttp().getRequest<RequestWithUser>();
  if (!request.user) throw new Error('ReqContext used on a route without authentication');
  return { user: request.user, requestId: String(request.id) };
});
