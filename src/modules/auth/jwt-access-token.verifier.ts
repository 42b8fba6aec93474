import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AccessTokenVerifier } from '../../common/auth/access-token.verifier.js';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { ROLES, type Role } from '../../common/auth/roles.js';
import { DomainError } from '../../common/errors/domain-error.js';

interface AccessClaims {
  sub: string;
  role: Role;
  email: string;
  typ: 'access';
}

/** Access tokens are short-lived HS256 JWTs carrying the user's id, role and email. */
@Injectable()
export class JwtAccessTokenVerifier implements AccessTokenVerifier {
  constructor(private readonly jwt: JwtService) {}

  async verify(token: string): Promise<AuthenticatedUser> {
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token, { algorithms: ['HS256'] });
    } catch {
      throw new DomainError('AUTH.INVALID_TOKEN', 'unauthorized', 'The access token is invalid or expired');
    }
    if (claims.typ !== 'access' || !ROLES.includes(claims.role)) {
      throw new DomainError('AUTH.INVALID_TOKEN', 'unauthorized', 'The access token is invalid or expired');
    }
    return { userId: claims.sub, role: claims.role, email: claims.email };
  }

  sign(user: AuthenticatedUser): Promise<string> {
    return this.jwt.signAsync({ sub: user.userId, role: user.role, email: user.email, typ: 'access' } satisfies AccessClaims);
  }
}
