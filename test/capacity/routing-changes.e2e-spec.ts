import { QueueEvents, type Queue } from 'bullmq';
import { getQueueToken } from '@nestjs/bullmq';
import { FixedClock } from '../../src/common/clock/clock.js';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { redisOptionsFromUrl } from '../../src/common/queue/redis-options.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { ADDRESSES, arrangeCapacity, createPool } from '../support/capacity-fixtures.js';

const HOUR = 3_600_000;

describe('guarded routing changes: four eyes, a delay, an audit trail and an announcement', () => {
  const clock = new FixedClock(new Date('2026-04-20T12:00:00.000Z'));
  let t: TestApp;
  let operator: TestUser;
  let operator2: TestUser;
  let admin: TestUser;
  let customer: TestUser;
  let finance: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    [operator, operator2, admin, customer, finance] = await Promise.all([
      createUser(t, 'operator'),
      createUser(t, 'operator'),
      createUser(t, 'admin'),
      createUser(t, 'customer'),
      createUser(t, 'finance'),
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  const payoutAddressOf = async (poolId: string) => (await t.db.query(`SELECT payout_address FROM pools WHERE id = $1`, [poolId])).rows[0].payout_address;

  it('changes a payout address only after a second staff user approves and the delay has passed', async () => {
    const pool = await createPool(t, operator.token);
    const req = await t.http.post(
      '/v1/routing-changes',
      { kind: 'pool_payout_address', targetId: pool.id, newValue: ADDRESSES.p2pkh, reason: 'new custody' },
      { token: operator.token },
    );
    expect(req.status).toBe(201);
    expect(req.body).toMatchObject({ status: 'requested', oldValue: ADDRESSES.p2wpkh, newValue: ADDRESSES.p2pkh, requestedBy: operator.id });
    const id = req.body.id;

    // The requester cannot approve their own change.
    const self = await t.http.post(`/v1/routing-changes/${id}/approve`, {}, { token: operator.token });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('CAPACITY.SELF_APPROVAL');
    await expect(
      t.db.query(
        `UPDATE routing_change_requests SET status = 'approved', approved_by = requested_by, approved_at = now(), effective_at = now() WHERE id = $1`,
        [id],
      ),
    ).rejects.toThrow(/ck_routing_change_requests_four_eyes/);

    const approved = await t.http.post(`/v1/routing-changes/${id}/approve`, {}, { token: operator2.token });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', approvedBy: operator2.id, effectiveAt: '2026-04-21T12:00:00.000Z' });
    expect((await t.http.post(`/v1/routing-changes/${id}/approve`, {}, { token: admin.token })).body.code).toBe('CAPACITY.CHANGE_NOT_OPEN');

    // Visible as pending; not applied a minute before its time, even by a read or the database.
    clock.set(new Date('2026-04-21T11:59:00.000Z'));
    const view = (await t.http.get('/v1/capacity', { token: operator.token })).body;
    const row = view.pools.find((p: any) => p.poolId === pool.id);
    expect(row.settings.payoutAddress).toBe(ADDRESSES.p2wpkh);
    expect(row.pendingChanges).toEqual([expect.objectContaining({ id, status: 'approved', newValue: ADDRESSES.p2pkh })]);
    expect((await t.http.get(`/v1/pools/${pool.id}`, { token: operator.token })).body.pendingChanges).toHaveLength(1);
    expect(await payoutAddressOf(pool.id)).toBe(ADDRESSES.p2wpkh);
    await expect(t.db.query(`UPDATE routing_change_requests SET status = 'applied', applied_at = '2026-04-21T11:59:00Z' WHERE id = $1`, [id])).rejects.toThrow(
      /not due/,
    );

    // Once due, the next read applies it (the job does the same on its schedule).
    clock.set(new Date('2026-04-21T12:00:00.000Z'));
    const after = (await t.http.get(`/v1/pools/${pool.id}`, { token: operator.token })).body;
    expect(after.payoutAddress).toBe(ADDRESSES.p2pkh);
    expect(after.pendingChanges).toEqual([]);
    const change = (await t.http.get(`/v1/routing-changes/${id}`, { token: admin.token })).body;
    expect(change).toMatchObject({ status: 'applied', appliedAt: '2026-04-21T12:00:00.000Z' });

    const audit = await t.db.query(`SELECT action, actor_id, actor_role FROM audit_log WHERE entity_id = $1 ORDER BY id`, [id]);
    expect(audit.rows).toEqual([
      { action: 'capacity.routing_change.requested', actor_id: operator.id, actor_role: 'operator' },
      { action: 'capacity.routing_change.approved', actor_id: operator2.id, actor_role: 'operator' },
      { action: 'capacity.routing_change.applied', actor_id: null, actor_role: 'system' },
    ]);
    const outbox = await t.db.query(`SELECT topic, payload FROM outbox WHERE payload->'change'->>'id' = $1 ORDER BY id`, [id]);
    expect(outbox.rows.map((r) => r.topic)).toEqual([
      'capacity.routing_change.requested',
      'capacity.routing_change.approved',
      'capacity.routing_change.applied',
    ]);
    expect(outbox.rows[1].payload).toMatchObject({ audience: 'staff', change: { newValue: ADDRESSES.p2pkh, effectiveAt: '2026-04-21T12:00:00.000Z' } });
    expect(outbox.rows[1].payload.text).toContain('takes effect at 2026-04-21T12:00:00.000Z unless cancelled');
    // Closed requests are frozen.
    await expect(t.db.query(`UPDATE routing_change_requests SET new_value = 'x' WHERE id = $1`, [id])).rejects.toThrow(/cannot be edited/);
    await expect(t.db.query(`DELETE FROM routing_change_requests WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
  });

  it('can be cancelled by any operator or admin until it applies, and then never applies', async () => {
    clock.set(new Date('2026-05-01T00:00:00.000Z'));
    const pool = await createPool(t, operator.token);
    const req = (
      await t.http.post(
        '/v1/routing-changes',
        { kind: 'pool_stratum_endpoint', targetId: pool.id, newValue: 'stratum+ssl://new.pool.example:443' },
        { token: operator.token },
      )
    ).body;
    // A second open change of the same setting is refused.
    const again = await t.http.post(
      '/v1/routing-changes',
      { kind: 'pool_stratum_endpoint', targetId: pool.id, newValue: 'stratum+tcp://other.example:3333' },
      { token: admin.token },
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CAPACITY.CHANGE_ALREADY_OPEN');
    await t.http.post(`/v1/routing-changes/${req.id}/approve`, {}, { token: admin.token });
    clock.advanceMs(23 * HOUR);
    const cancelled = await t.http.post(`/v1/routing-changes/${req.id}/cancel`, { reason: 'not agreed with the pool' }, { token: operator2.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledBy: operator2.id, cancelReason: 'not agreed with the pool' });
    clock.advanceMs(2 * HOUR);
    const after = (await t.http.get(`/v1/pools/${pool.id}`, { token: operator.token })).body;
    expect(after.stratumEndpoint).toBe('stratum+tcp://btc.pool.example:3333');
    expect((await t.http.post(`/v1/routing-changes/${req.id}/cancel`, {}, { token: admin.token })).body.code).toBe('CAPACITY.CHANGE_NOT_OPEN');
    const topics = await t.db.query(`SELECT topic FROM outbox WHERE payload->'change'->>'id' = $1 ORDER BY id`, [req.id]);
    expect(topics.rows.map((r) => r.topic)).toEqual([
      'capacity.routing_change.requested',
      'capacity.routing_change.approved',
      'capacity.routing_change.cancelled',
    ]);
  });

  it('moves a fleet to another pool through the worker job, and capacity follows', async () => {
    clock.set(new Date('2026-06-01T00:00:00.000Z'));
    const { fleet, pool } = await arrangeCapacity(t, operator.token, 10);
    const target = await createPool(t, operator.token);
    const req = (await t.http.post('/v1/routing-changes', { kind: 'fleet_pool', targetId: fleet.id, newValue: target.id }, { token: admin.token })).body;
    expect(req).toMatchObject({ poolId: pool.id, toPoolId: target.id, oldValue: pool.id });
    await t.http.post(`/v1/routing-changes/${req.id}/approve`, {}, { token: operator.token });
    // The worker job finds nothing due before the delay...
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.capacity));
    const events = new QueueEvents(QUEUES.capacity, { connection: redisOptionsFromUrl(t.config.REDIS_URL) as never, prefix: t.config.QUEUE_PREFIX });
    await events.waitUntilReady();
    try {
      const early = await queue.add(JOBS.capacity.applyDueRoutingChanges, {});
      expect(await early.waitUntilFinished(events, 30_000)).toEqual({ applied: 0 });
      expect((await t.db.query(`SELECT pool_id FROM fleets WHERE id = $1`, [fleet.id])).rows[0].pool_id).toBe(pool.id);
      // ...and applies it once due; running it twice applies nothing more.
      clock.advanceMs(24 * HOUR);
      const due = await queue.add(JOBS.capacity.applyDueRoutingChanges, {});
      expect(await due.waitUntilFinished(events, 30_000)).toEqual({ applied: 1 });
      const twice = await queue.add(JOBS.capacity.applyDueRoutingChanges, {});
      expect(await twice.waitUntilFinished(events, 30_000)).toEqual({ applied: 0 });
    } finally {
      await events.close();
    }
    expect((await t.db.query(`SELECT pool_id FROM fleets WHERE id = $1`, [fleet.id])).rows[0].pool_id).toBe(target.id);
    const view = (await t.http.get('/v1/capacity', { token: operator.token })).body;
    expect(view.pools.find((p: any) => p.poolId === pool.id).onlineThs).toBe('0.000');
    expect(view.pools.find((p: any) => p.poolId === target.id).onlineThs).toBe('2000.000');
  });

  it('applies a change once even when many readers find it due at the same moment', async () => {
    clock.set(new Date('2026-07-01T00:00:00.000Z'));
    const pool = await createPool(t, operator.token);
    const req = (
      await t.http.post('/v1/routing-changes', { kind: 'pool_payout_address', targetId: pool.id, newValue: ADDRESSES.p2sh }, { token: operator.token })
    ).body;
    await t.http.post(`/v1/routing-changes/${req.id}/approve`, {}, { token: admin.token });
    clock.advanceMs(25 * HOUR);
    const reads = await Promise.all(Array.from({ length: 10 }, () => t.http.get('/v1/capacity', { token: operator.token })));
    expect(reads.every((r) => r.status === 200)).toBe(true);
    const applied = await t.db.query(`SELECT COUNT(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = 'capacity.routing_change.applied'`, [req.id]);
    expect(applied.rows[0].n).toBe(1);
    expect(await payoutAddressOf(pool.id)).toBe(ADDRESSES.p2sh);
  });

  it('rejects invalid requests with the field named, and refuses customers and finance', async () => {
    clock.set(new Date('2026-08-01T00:00:00.000Z'));
    const { fleet, pool } = await arrangeCapacity(t, operator.token, 1);
    const cases: [Record<string, unknown>, number, string][] = [
      [
        { kind: 'pool_payout_address', targetId: pool.id, newValue: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx' },
        400,
        'newValue must be a valid Bitcoin address on mainnet',
      ],
      [{ kind: 'pool_payout_address', targetId: pool.id, newValue: ADDRESSES.p2wpkh }, 400, 'newValue is the current value'],
      [{ kind: 'pool_stratum_endpoint', targetId: pool.id, newValue: 'ftp://x' }, 400, 'newValue must look like stratum+tcp://host:port'],
      [{ kind: 'fleet_pool', targetId: fleet.id, newValue: pool.id }, 400, 'newValue is the pool the fleet already points at'],
      [{ kind: 'fleet_pool', targetId: fleet.id, newValue: 'nope' }, 400, 'newValue must be the id of the pool the fleet moves to'],
      [{ kind: 'fleet_pool', targetId: fleet.id, newValue: '00000000-0000-4000-8000-000000000000' }, 400, 'newValue is not an existing pool'],
      [{ kind: 'pool_fee', targetId: pool.id, newValue: '1' }, 400, 'kind'],
      [{ kind: 'pool_payout_address', targetId: '00000000-0000-4000-8000-000000000000', newValue: ADDRESSES.p2pkh }, 404, 'Pool not found'],
    ];
    for (const [body, status, message] of cases) {
      const res = await t.http.post('/v1/routing-changes', body, { token: operator.token });
      expect([res.status, res.body.message]).toEqual([status, expect.stringContaining(message)]);
    }
    const req = (
      await t.http.post('/v1/routing-changes', { kind: 'pool_payout_address', targetId: pool.id, newValue: ADDRESSES.p2pkh }, { token: operator.token })
    ).body;
    for (const user of [customer, finance]) {
      expect((await t.http.post(`/v1/routing-changes/${req.id}/approve`, {}, { token: user.token })).status).toBe(403);
      expect((await t.http.post(`/v1/routing-changes/${req.id}/cancel`, {}, { token: user.token })).status).toBe(403);
      expect((await t.http.get('/v1/routing-changes', { token: user.token })).status).toBe(403);
    }
    expect((await t.http.get(`/v1/routing-changes/${req.id}`, { token: admin.token })).body.status).toBe('requested');
    const open = await t.db.query(`SELECT COUNT(*)::int AS n FROM routing_change_requests WHERE pool_id = $1`, [pool.id]);
    expect(open.rows[0].n).toBe(1);
  });
});
