import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccessTokenVerifier } from '../common/auth/access-token.verifier.js';
import { bearerToken } from '../common/auth/access.guard.js';
import { allQueues } from '../common/queue/queue.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { TransactionRunner } from '../database/transaction.js';
import { AuditService } from '../modules/audit/audit.service.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bull Board at /queues, for admins only (bearer token or the hm_access_token cookie). Read-only
 * unless BULL_BOARD_ACTIONS_ENABLED: retrying, cleaning, promoting or deleting jobs changes what
 * settlement and payouts do next, outside every other control. When actions are enabled, each
 * one is audit-logged with the admin's identity before it runs.
 */
export async function mountBullBoard(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const actions = config.BULL_BOARD_ACTIONS_ENABLED;
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath('/queues');
  createBullBoard({ queues: allQueues(app).map((queue) => new BullMQAdapter(queue, { readOnlyMode: !actions })), serverAdapter });
  const verifier = app.get(AccessTokenVerifier);
  const audit = app.get(AuditService);
  const tx = app.get(TransactionRunner);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const cookie = /(?:^|;\s*)hm_access_token=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
      const token = bearerToken(request.headers.authorization) ?? cookie;
      const user = token ? await verifier.verify(token).catch(() => undefined) : undefined;
      if (!user) return reply.status(401).send({ statusCode: 401, error: 'Unauthorized', code: 'AUTH.UNAUTHENTICATED', message: 'Sign in as an admin' });
      if (user.role !== 'admin') return reply.status(403).send({ statusCode: 403, error: 'Forbidden', code: 'AUTH.FORBIDDEN', message: 'Admins only' });
      if (READS.has(request.method)) return;
      if (!actions) {
        return reply.status(405).send({
          statusCode: 405,
          error: 'Method Not Allowed',
          code: 'QUEUES.READ_ONLY',
          message: 'The queue board is read-only; BULL_BOARD_ACTIONS_ENABLED=true allows actions, each audit-logged',
        });
      }
      const path = request.url.split('?')[0];
      await tx.run((manager) =>
        audit.record(manager, {
          actor: { userId: user.userId, role: user.role },
          action: 'queues.board_action',
          entityType: 'queue_board',
          entityId: path,
          after: { method: request.method, path },
          requestId: request.id,
        }),
      );
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: '/queues' });
  });
}
