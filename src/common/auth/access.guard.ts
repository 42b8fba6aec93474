import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../errors/domain-error.js';
import { AccessTokenVerifier } from './access-token.verifier.js';
import type { RequestWithUser } from './authenticated-user.js';
import { ACCESS_METADATA, type AccessDeclaration } from './roles.js';

export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/**
 * Global guard, deny by default: a route that declares neither @Public, @Authenticated nor
 * @Roles is refused for everyone, so a forgotten declaration cannot open a route.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<AccessDeclaration | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (!access) {
      this.logger.error(`route ${context.getClass().name}.${context.getHandler().name} declares no roles: denied`);
      throw new DomainError('AUTH.ROUTE_NOT_DECLARED', 'forbidden', 'This route declares no roles and is denied');
    }
    if (access.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<RequestWithUser>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new DomainError('AUTH.UNAUTHENTICATED', 'unauthorized', 'A bearer access token is required');
    request.user = await this.verifier.verify(token);
    if (access.kind === 'authenticated') return true;
    if (!access.roles.includes(request.user.role)) {
      throw new DomainError('AUTH.FORBIDDEN', 'forbidden', 'Your role may not call this route');
    }
    return true;
  }
}
