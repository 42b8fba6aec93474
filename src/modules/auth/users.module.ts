import { Module } from '@nestjs/common';
import { AdminAccountsService } from './admin-accounts.service.js';
import { PasswordHasher } from '../../common/auth/password-hasher.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/**
 * Accounts without the HTTP and Redis parts of auth: what the create-admin CLI boots, and
 * what AuthModule builds on. Needs a DataSource, TransactionRunner, AuditService and Clock.
 */
@Module({
  providers: [UsersRepository, UsersService, PasswordHasher, AdminAccountsService],
  exports: [UsersRepository, UsersService, PasswordHasher, AdminAccountsService],
})
export class UsersModule {}
