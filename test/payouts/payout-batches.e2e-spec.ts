import { parse } from 'csv-parse/sync';
import type { FixedClock } from '../../src/common/clock/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  MAINNET_ADDRESSES,
  assertLedgerBalanced,
  auditActions,
  btcBalances,
  outboxRows,
  platformBtc,
  readyCustomer,
  requestWithdrawal,
  testClock,
} from '../support/payouts.js';

const TXID_A = 'a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d';
const TXID_B = 'B'.repeat(64);

describe('finance workflow: approvals, four eyes, payout batches', () => {
  let t: TestApp;
  let clock: FixedClock;
  let finance: TestUser;
  let finance2: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    clock = testClock();
    t = await startTestApp({ clock, env: { WITHDRAWAL_FOUR_EYES_SATS: '50000000', PAYOUT_BATCH_MAX_SIZE: '3', WITHDRAWAL_DAILY_LIMIT_SATS: '1000000000' } });
    finance = await createUser(t, 'finance');
    finance2 = await createUser(t, 'finance');
    admin = await createUser(t, 'admin');
  });
  afterAll(async () => {
    await t.close();
  });

  /** Every approved withdrawal left over from earlier tests is batched and failed, so each test starts clean. */
  async function drainApproved(): Promise<void> {
    for (;;) {
      const res = await t.http.post('/v1/payout-batches', {}, { token: finance.token });
      if (res.status === 409) return;
      await t.http.post(`/v1/payout-batches/${res.body.batch.id}/fail`, { reason: 'test cleanup' }, { token: finance.token });
    }
  }

  async function approvedWithdrawal(customer: Awaited<ReturnType<typeof readyCustomer>>, amount: string): Promise<string> {
    const res = await requestWithdrawal(t, customer, amount);
    expect(res.status).toBe(201);
    const approved = await t.http.post(`/v1/withdrawals/${res.body.id}/approve`, {}, { token: finance.token });
    expect(approved.status).toBe(200);
    return res.body.id;
  }

  it('approves once; approving twice is a 409', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const res = await requestWithdrawal(t, customer, '0.01000000');
    const approved = await t.http.post(`/v1/withdrawals/${res.body.id}/approve`, {}, { token: finance.token });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', waitingFor: 'batch', firstApproverId: finance.id, approvals: { required: 1, given: 1 } });
    const twice = await t.http.post(`/v1/withdrawals/${res.body.id}/approve`, {}, { token: finance2.token });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'PAYOUTS.INVALID_TRANSITION', details: { from: 'approved', to: 'approved' } });
    expect(await auditActions(t, res.body.id)).toEqual(['withdrawal.requested', 'withdrawal.approved']);
    await drainApproved();
  });

  it('needs two different finance users above the four-eyes amount', async () => {
    const customer = await readyCustomer(t, clock, 200_000_000n);
    const res = await requestWithdrawal(t, customer, '0.60000000');
    expect(res.body.approvals).toEqual({ required: 2, given: 0 });
    const first = await t.http.post(`/v1/withdrawals/${res.body.id}/approve`, {}, { token: finance.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'requested', approvals: { required: 2, given: 1 } });
    const mine = await t.http.get(`/v1/me/withdrawals/${res.body.id}`, { token: customer.token });
    expect(mine.body.waitingFor).toBe('second_approval');

    const same = await t.http.post(`/v1/withdrawals/${res.body.id}/approve`, {}, { token: finance.token });
    expect(same.status).toBe(403);
    expect(same.body.code).toBe('PAYOUTS.FOUR_EYES');
    const second = await t.http.post(`/v1/withdrawals/${res.body.id}/approve`, {}, { token: admin.token });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'approved', firstApproverId: finance.id, secondApproverId: admin.id });
    expect(await auditActions(t, res.body.id)).toEqual(['withdrawal.requested', 'withdrawal.first_approval', 'withdrawal.approved']);

    // The database refuses the same person twice even if the code were bypassed.
    const other = await requestWithdrawal(t, customer, '0.60000000');
    await expect(
      t.db.query(`UPDATE withdrawals SET first_approver_id = $2, second_approver_id = $2, status = 'approved', approved_at = now() WHERE id = $1`, [
        other.body.id,
        finance.id,
      ]),
    ).rejects.toThrow(/ck_withdrawals_four_eyes/);
    await drainApproved();
  });

  it('rejects with a reason and releases the funds; a rejected withdrawal can never be batched', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const res = await requestWithdrawal(t, customer, '0.02000000');
    const noReason = await t.http.post(`/v1/withdrawals/${res.body.id}/reject`, {}, { token: finance.token });
    expect(noReason.status).toBe(400);
    const rejected = await t.http.post(`/v1/withdrawals/${res.body.id}/reject`, { reason: 'address flagged by compliance' }, { token: finance.token });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectReason: 'address flagged by compliance', rejectedBy: finance.id });
    expect(await btcBalances(t, customer.id)).toEqual({ available: 10_000_000n, reserved: 0n });
    const notice = (await outboxRows(t, 'payouts.withdrawal_rejected')).find((r) => r.payload.data.withdrawalId === res.body.id);
    expect(notice?.payload.data.rejectReason).toBe('address flagged by compliance');

    const batch = await t.http.post('/v1/payout-batches', { withdrawalIds: [res.body.id] }, { token: finance.token });
    expect(batch.status).toBe(409);
    expect(batch.body).toMatchObject({ code: 'PAYOUTS.INVALID_TRANSITION', details: { id: res.body.id, from: 'rejected', to: 'batched' } });
    expect((await t.http.post(`/v1/withdrawals/${res.body.id}/approve`, {}, { token: finance.token })).status).toBe(409);
    expect((await t.http.post(`/v1/withdrawals/${res.body.id}/reject`, { reason: 'again' }, { token: finance.token })).status).toBe(409);
    await assertLedgerBalanced(t);
  });

  it('batches, exports, broadcasts and confirms: the reserved funds leave the ledger', async () => {
    const alice = await readyCustomer(t, clock, 10_000_000n);
    const bob = await readyCustomer(t, clock, 10_000_000n, MAINNET_ADDRESSES.p2tr);
    const a1 = await approvedWithdrawal(alice, '0.01000000');
    const a2 = await approvedWithdrawal(alice, '0.02000000');
    const b1 = await approvedWithdrawal(bob, '0.03000000');
    const inFlightBefore = await platformBtc(t, 'withdrawals_in_flight');
    const walletBefore = await platformBtc(t, 'platform_wallet');
    const feesBefore = await platformBtc(t, 'network_fees');

    const created = await t.http.post('/v1/payout-batches', {}, { token: finance.token });
    expect(created.status).toBe(201);
    const batchId = created.body.batch.id;
    expect(created.body.batch).toMatchObject({ status: 'exported', withdrawalCount: 3, totalNetSats: String(6_000_000 - 3 * 2000), txid: null });
    // Committed before the export was handed out: the sent-intent exists.
    const { rows } = await t.db.query(`SELECT status FROM payout_batches WHERE id = $1`, [batchId]);
    expect(rows[0].status).toBe('exported');
    expect(created.body.export).toMatchObject({ batchId, network: 'mainnet', withdrawalCount: 3, outputCount: 2, totalSats: '5994000' });
    const byAddress = Object.fromEntries(created.body.export.outputs.map((o: { address: string }) => [o.address, o]));
    expect(byAddress[MAINNET_ADDRESSES.p2wpkh]).toMatchObject({ sats: '2996000', btc: '0.02996000' });
    expect(byAddress[MAINNET_ADDRESSES.p2wpkh].withdrawalIds.sort()).toEqual([a1, a2].sort());
    expect(byAddress[MAINNET_ADDRESSES.p2tr]).toEqual({ address: MAINNET_ADDRESSES.p2tr, sats: '2998000', btc: '0.02998000', withdrawalIds: [b1] });

    const csv = await t.http.get(`/v1/payout-batches/${batchId}/export?format=csv`, { token: finance.token });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const records = parse<Record<string, string>>(csv.text, { columns: true });
    expect(records.map((r) => [r.address, r.sats]).sort()).toEqual(
      [
        [MAINNET_ADDRESSES.p2tr, '2998000'],
        [MAINNET_ADDRESSES.p2wpkh, '2996000'],
      ].sort(),
    );
    expect(records.find((r) => r.address === MAINNET_ADDRESSES.p2tr)?.withdrawal_ids).toBe(b1);
    const json = await t.http.get(`/v1/payout-batches/${batchId}/export?format=json`, { token: finance.token });
    expect(json.body).toEqual({ ...created.body.export });

    const mine = await t.http.get(`/v1/me/withdrawals/${a1}`, { token: alice.token });
    expect(mine.body).toMatchObject({ status: 'batched', waitingFor: 'broadcast', batchId });

    const early = await t.http.post(`/v1/payout-batches/${batchId}/confirm`, {}, { token: finance.token });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'PAYOUTS.INVALID_TRANSITION', details: { from: 'exported', to: 'confirmed' } });

    const broadcast = await t.http.post(`/v1/payout-batches/${batchId}/broadcast`, { txid: TXID_A }, { token: finance.token });
    expect(broadcast.status).toBe(200);
    expect(broadcast.body).toMatchObject({ status: 'broadcast', txid: TXID_A, broadcastBy: finance.id });
    expect(await btcBalances(t, alice.id)).toEqual({ available: 7_000_000n, reserved: 0n });
    expect((await platformBtc(t, 'withdrawals_in_flight')) - inFlightBefore).toBe(6_000_000n);
    expect((await t.http.get(`/v1/me/withdrawals/${b1}`, { token: bob.token })).body).toMatchObject({
      status: 'broadcast',
      waitingFor: 'confirmation',
      txid: TXID_A,
    });
    expect((await t.http.post(`/v1/payout-batches/${batchId}/broadcast`, { txid: TXID_A }, { token: finance.token })).status).toBe(409);

    const confirmed = await t.http.post(`/v1/payout-batches/${batchId}/confirm`, {}, { token: finance.token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'confirmed', resolvedBy: finance.id });
    expect(await platformBtc(t, 'withdrawals_in_flight')).toBe(inFlightBefore);
    expect((await platformBtc(t, 'platform_wallet')) - walletBefore).toBe(5_994_000n);
    expect((await platformBtc(t, 'network_fees')) - feesBefore).toBe(6_000n);
    expect(await btcBalances(t, bob.id)).toEqual({ available: 7_000_000n, reserved: 0n });
    expect((await t.http.get(`/v1/me/withdrawals/${b1}`, { token: bob.token })).body).toMatchObject({ status: 'confirmed', waitingFor: null });
    expect((await t.http.post(`/v1/payout-batches/${batchId}/confirm`, {}, { token: finance.token })).status).toBe(409);
    expect((await t.http.post(`/v1/payout-batches/${batchId}/fail`, { reason: 'too late' }, { token: finance.token })).status).toBe(409);

    expect(await auditActions(t, batchId)).toEqual([
      'payout_batch.created',
      'payout_batch.exported',
      'payout_batch.exported',
      'payout_batch.broadcast',
      'payout_batch.confirmed',
    ]);
    expect((await outboxRows(t, 'payouts.withdrawal_confirmed')).filter((r) => [a1, a2, b1].includes(r.payload.data.withdrawalId))).toHaveLength(3);
    await assertLedgerBalanced(t);
  });

  it('limits a batch to PAYOUT_BATCH_MAX_SIZE, oldest approvals first', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await approvedWithdrawal(customer, '0.00100000'));
    const first = await t.http.post('/v1/payout-batches', {}, { token: finance.token });
    expect(first.body.batch.withdrawalCount).toBe(3);
    expect(first.body.items.map((i: { withdrawalId: string }) => i.withdrawalId).sort()).toEqual(ids.slice(0, 3).sort());
    const second = await t.http.post('/v1/payout-batches', { maxSize: 10 }, { token: finance.token });
    expect(second.body.items.map((i: { withdrawalId: string }) => i.withdrawalId)).toEqual([ids[3]]);
    const none = await t.http.post('/v1/payout-batches', {}, { token: finance.token });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('PAYOUTS.NOTHING_TO_BATCH');
    for (const batch of [first, second]) await t.http.post(`/v1/payout-batches/${batch.body.batch.id}/fail`, { reason: 'cleanup' }, { token: finance.token });
  });

  it('an unresolved batch blocks re-batching; failing it releases every withdrawal', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const w1 = await approvedWithdrawal(customer, '0.01000000');
    const w2 = await approvedWithdrawal(customer, '0.02000000');
    const batch = await t.http.post('/v1/payout-batches', { withdrawalIds: [w1, w2] }, { token: finance.token });
    expect(batch.status).toBe(201);
    const batchId = batch.body.batch.id;

    // Outcome unknown (exported, no txid): its withdrawals cannot go into another batch.
    const again = await t.http.post('/v1/payout-batches', { withdrawalIds: [w1] }, { token: finance.token });
    expect(again.status).toBe(409);
    expect(again.body.details).toMatchObject({ id: w1, from: 'batched' });
    expect((await t.http.post('/v1/payout-batches', {}, { token: finance.token })).status).toBe(409);
    // Not even a statement that skips the service: the live-batch unique index refuses it.
    const rogue = await t.db.query(
      `INSERT INTO payout_batches (status, withdrawal_count, total_net_sats, total_amount_sats, created_by, created_at) VALUES ('exported', 1, 998000, 1000000, $1, now()) RETURNING id`,
      [finance.id],
    );
    await expect(
      t.db.query(`INSERT INTO payout_batch_items (batch_id, withdrawal_id, address, net_sats) VALUES ($1, $2, 'x', 998000)`, [rogue.rows[0].id, w1]),
    ).rejects.toThrow(/uq_payout_batch_items_live_withdrawal/);

    const failed = await t.http.post(`/v1/payout-batches/${batchId}/fail`, { reason: 'wallet could not sign' }, { token: finance.token });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ status: 'failed', failReason: 'wallet could not sign', resolvedBy: finance.id });
    expect(await btcBalances(t, customer.id)).toEqual({ available: 10_000_000n, reserved: 0n });
    // Failed amounts no longer count against the daily limit.
    const usage = await t.db.query(`SELECT coalesce(sum(amount_sats), 0)::text AS used FROM withdrawal_daily_usage WHERE user_id = $1`, [customer.id]);
    expect(usage.rows[0].used).toBe('0');
    const view = await t.http.get(`/v1/me/withdrawals/${w1}`, { token: customer.token });
    expect(view.body).toMatchObject({ status: 'failed', waitingFor: null });
    const detail = await t.http.get(`/v1/payout-batches/${batchId}`, { token: finance.token });
    expect(detail.body.items.every((i: { released: boolean }) => i.released)).toBe(true);
    // A failed batch's file must never be signed: its export is refused, and it cannot be broadcast.
    expect((await t.http.get(`/v1/payout-batches/${batchId}/export`, { token: finance.token })).status).toBe(409);
    const late = await t.http.post(`/v1/payout-batches/${batchId}/broadcast`, { txid: TXID_B }, { token: finance.token });
    expect(late.status).toBe(409);
    expect(late.body.details).toMatchObject({ from: 'failed', to: 'broadcast' });
    expect((await outboxRows(t, 'payouts.withdrawal_failed')).filter((r) => [w1, w2].includes(r.payload.data.withdrawalId))).toHaveLength(2);
    await assertLedgerBalanced(t);
  });

  it('a batch that fails after broadcast returns the in-flight funds', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const w1 = await approvedWithdrawal(customer, '0.04000000');
    const inFlightBefore = await platformBtc(t, 'withdrawals_in_flight');
    const batch = await t.http.post('/v1/payout-batches', { withdrawalIds: [w1] }, { token: finance.token });
    const batchId = batch.body.batch.id;
    expect((await t.http.post(`/v1/payout-batches/${batchId}/broadcast`, { txid: TXID_B }, { token: finance.token })).body.txid).toBe('b'.repeat(64));
    expect(await btcBalances(t, customer.id)).toEqual({ available: 6_000_000n, reserved: 0n });
    expect((await t.http.post(`/v1/payout-batches/${batchId}/fail`, { reason: 'dropped from the mempool' }, { token: finance.token })).status).toBe(200);
    expect(await btcBalances(t, customer.id)).toEqual({ available: 10_000_000n, reserved: 0n });
    expect(await platformBtc(t, 'withdrawals_in_flight')).toBe(inFlightBefore);
    await assertLedgerBalanced(t);
  });

  it('refuses a txid already recorded for another batch and a malformed one', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const w1 = await approvedWithdrawal(customer, '0.01000000');
    const batch = await t.http.post('/v1/payout-batches', { withdrawalIds: [w1] }, { token: finance.token });
    const bad = await t.http.post(`/v1/payout-batches/${batch.body.batch.id}/broadcast`, { txid: 'xyz' }, { token: finance.token });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('txid must be 64 hexadecimal characters');
    const taken = await t.http.post(`/v1/payout-batches/${batch.body.batch.id}/broadcast`, { txid: TXID_A }, { token: finance.token });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('PAYOUTS.TXID_TAKEN');
    await t.http.post(`/v1/payout-batches/${batch.body.batch.id}/fail`, { reason: 'cleanup' }, { token: finance.token });
  });

  it('authorization matrix: customers and operators cannot approve, reject, batch or see others’ data', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const operator = await createUser(t, 'operator');
    const res = await requestWithdrawal(t, customer, '0.01000000');
    const id = res.body.id;
    const batch = '00000000-0000-4000-8000-000000000000';
    const staffRoutes: [string, string, unknown?][] = [
      ['GET', '/v1/withdrawals'],
      ['GET', `/v1/withdrawals/${id}`],
      ['POST', `/v1/withdrawals/${id}/approve`, {}],
      ['POST', `/v1/withdrawals/${id}/reject`, { reason: 'because' }],
      ['POST', '/v1/payout-batches', {}],
      ['GET', '/v1/payout-batches'],
      ['GET', `/v1/payout-batches/${batch}`],
      ['GET', `/v1/payout-batches/${batch}/export`],
      ['POST', `/v1/payout-batches/${batch}/broadcast`, { txid: TXID_A }],
      ['POST', `/v1/payout-batches/${batch}/confirm`, {}],
      ['POST', `/v1/payout-batches/${batch}/fail`, { reason: 'because' }],
      ['POST', '/v1/auto-payouts/runs', {}],
    ];
    for (const [method, path, body] of staffRoutes) {
      for (const who of [customer, operator]) {
        const answer = await t.http.request(method, path, body, { token: who.token });
        expect([method, path, who.role, answer.status]).toEqual([method, path, who.role, 403]);
      }
      expect((await t.http.request(method, path, body)).status).toBe(401);
    }
    expect((await t.http.get(`/v1/me/withdrawals/${id}`, { token: customer.token })).status).toBe(200);
    const list = await t.http.get(`/v1/withdrawals?status=requested&userId=${customer.id}`, { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((w: { id: string }) => w.id)).toEqual([id]);
    expect(list.body.items[0].userId).toBe(customer.id);
    const { rows } = await t.db.query(`SELECT status FROM withdrawals WHERE id = $1`, [id]);
    expect(rows[0].status).toBe('requested');
  });
});
