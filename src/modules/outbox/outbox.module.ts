import { Global, Module } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository.js';
import { OutboxService } from './outbox.service.js';

/** Global like the audit log: any module announcing a change writes its outbox row here. */
@Global()
@Module({ providers: [OutboxRepository, OutboxService], exports: [OutboxService] })
export class OutboxModule {}
