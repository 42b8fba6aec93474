import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES } from '../../src/common/queue/queue-names.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

/** Bull Board's actions change what settlement and payouts do next: read-only unless enabled, and audited then. */
describe('Bull Board actions', () => {
  describe('by default', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ role: 'api' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('refuses every action to an admin, reads still work, and nothing changes', async () => {
      const admin = await createUser(t, 'admin');
      const queue = t.app.get<Queue>(getQueueToken(QUEUES.settlement));
      const job = await queue.add('probe', {}, { delay: 3_600_000 });
      const actions: [string, string][] = [
        ['PUT', '/queues/api/queues/pause'],
        ['PUT', `/queues/api/queues/${QUEUES.settlement}/pause`],
        ['PUT', `/queues/api/queues/${QUEUES.settlement}/clean/delayed`],
        ['PUT', `/queues/api/queues/${QUEUES.settlement}/${job.id}/promote`],
        ['PUT', `/queues/api/queues/${QUEUES.settlement}/${job.id}/clean`],
        ['POST', `/queues/api/queues/${QUEUES.settlement}/add`],
      ];
      for (const [method, path] of actions) {
        const res = await t.http.request(method, path, {}, { token: admin.token });
        expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 405, code: 'QUEUES.READ_ONLY' });
      }
      expect(await queue.isPaused()).toBe(false);
      expect(await queue.getJobState(job.id!)).toBe('delayed');
      expect((await t.http.get('/queues/api/queues', { token: admin.token })).status).toBe(200);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'queues.board_action'`);
      expect(rows[0].n).toBe(0);
      await job.remove();
    });
  });

  describe('with BULL_BOARD_ACTIONS_ENABLED', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ role: 'api', env: { BULL_BOARD_ACTIONS_ENABLED: 'true' } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('runs an admin action and audit-logs it with the admin identity; other roles are still refused', async () => {
      const admin = await createUser(t, 'admin');
      const finance = await createUser(t, 'finance');
      const queue = t.app.get<Queue>(getQueueToken(QUEUES.settlement));
      expect((await t.http.request('PUT', `/queues/api/queues/${QUEUES.settlement}/pause`, {}, { token: finance.token })).status).toBe(403);
      const res = await t.http.request('PUT', `/queues/api/queues/${QUEUES.settlement}/pause`, {}, { token: admin.token });
      expect(res.status).toBe(200);
      expect(await queue.isPaused()).toBe(true);
      const { rows } = await t.db.query(`SELECT actor_id, actor_role, entity_id, after FROM audit_log WHERE action = 'queues.board_action' ORDER BY id`);
      expect(rows).toEqual([
        {
          actor_id: admin.id,
          actor_role: 'admin',
          entity_id: `/queues/api/queues/${QUEUES.settlement}/pause`,
          after: { method: 'PUT', path: `/queues/api/queues/${QUEUES.settlement}/pause` },
        },
      ]);
      await queue.resume();
    });
  });
});
