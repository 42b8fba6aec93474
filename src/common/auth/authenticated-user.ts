import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from './roles.js';

/** Who is calling, as proven by the access token. */
export interface AuthenticatedUser {
  userId: string;
  role: Role;
  email: string;
}

export interface RequestWithUser {
  user?: AuthenticatedUser;
  ip: string;
  id: string;
  headers: Record<string, string | string[] | undefined>;
}

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const request = ctx.switchToHttp().getRequest<RequestWithUser>();
  if (!request.user) throw new Error('CurrentUser used on a route without authentication');
  return request.user;
});
