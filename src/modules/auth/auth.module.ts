import { createSecretKey } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AccessTokenVerifier } from '../../common/auth/access-token.verifier.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { AdminBootstrap } from './admin-bootstrap.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { JwtAccessTokenVerifier } from './jwt-access-token.verifier.js';
import { RateLimiter } from '../../common/rate-limit/rate-limiter.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { TokenService } from './token.service.js';
import { TotpController } from './totp.controller.js';
import { TotpService } from './totp.service.js';
import { UsersModule } from './users.module.js';

/**
 * Sign-up, sign-in, tokens, TOTP and staff accounts. Global exports for other modules:
 * UsersService (profiles, withdrawal lock), TotpService.verifyTotp (step-up checks) and
 * RateLimiter (Redis sliding windows, fails closed).
 */
@Global()
@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // A KeyObject, made once: given a string, jsonwebtoken first tries (and fails) to parse it
        // as a public key on every verification, about a tenth of an authenticated request's CPU.
        secret: createSecretKey(Buffer.from(config.JWT_ACCESS_SECRET, 'utf8')),
        signOptions: { algorithm: 'HS256', expiresIn: config.JWT_ACCESS_TTL_SECONDS, issuer: 'hashmarket' },
        verifyOptions: { algorithms: ['HS256'], issuer: 'hashmarket' },
      }),
    }),
  ],
  controllers: [AuthController, TotpController, AdminUsersController],
  providers: [
    JwtAccessTokenVerifier,
    { provide: AccessTokenVerifier, useExisting: JwtAccessTokenVerifier },
    RefreshTokensRepository,
    TokenService,
    TotpService,
    RateLimiter,
    AuthService,
    AdminBootstrap,
  ],
  exports: [AccessTokenVerifier, JwtAccessTokenVerifier, UsersModule, TotpService, TokenService, RateLimiter],
})
export class AuthModule {}
