import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { AdminAccountsService } from './admin-accounts.service.js';

/**
 * First start: when ADMIN_EMAIL and ADMIN_PASSWORD are set and no admin exists yet, creates
 * that admin. Never reachable over HTTP; once any admin exists it does nothing.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly accounts: AdminAccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.config;
    if (!email && !password) return;
    if (!email || !password) {
      this.logger.warn('ADMIN_EMAIL and ADMIN_PASSWORD must both be set to create the first admin; skipped');
      return;
    }
    try {
      const result = await this.accounts.ensureAdmin({ email, password, source: 'env' }, { onlyIfNoAdmin: true });
      if (result.created) this.logger.log(`first admin ${email} created from ADMIN_EMAIL`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(`first admin not created: ${error.message}`);
    }
  }
}
