import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AccessTokenVerifier } from '../../common/auth/access-token.verifier.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { JwtAccessTokenVerifier } from './jwt-access-token.verifier.js';

@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: config.JWT_ACCESS_SECRET,
        signOptions: { algorithm: 'HS256', expiresIn: config.JWT_ACCESS_TTL_SECONDS, issuer: 'hashmarket' },
        verifyOptions: { algorithms: ['HS256'], issuer: 'hashmarket' },
      }),
    }),
  ],
  providers: [JwtAccessTokenVerifier, { provide: AccessTokenVerifier, useExisting: JwtAccessTokenVerifier }],
  exports: [AccessTokenVerifier, JwtAccessTokenVerifier],
})
export class AuthModule {}
