import type { FixedClock } from '../../src/common/clock/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { readyCustomer, requestWithdrawal, testClock } from '../support/payouts.js';

/** The state machines hold at the database, whatever statement reaches it. */
describe('payout tables guard their own invariants', () => {
  let t: TestApp;
  let clock: FixedClock;

  beforeAll(async () => {
    clock = testClock();
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses out-of-order status changes, rewritten amounts and deletions', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    const finance = await createUser(t, 'finance');
    const { body } = await requestWithdrawal(t, customer, '0.01000000');
    const id = body.id as string;
    await expect(t.db.query(`UPDATE withdrawals SET status = 'confirmed' WHERE id = $1`, [id])).rejects.toThrow(
      /requested -> confirmed is not a valid transition/,
    );
    await expect(t.db.query(`UPDATE withdrawals SET status = 'broadcast' WHERE id = $1`, [id])).rejects.toThrow(/not a valid transition/);
    await expect(t.db.query(`UPDATE withdrawals SET amount_sats = 1, net_sats = 1 WHERE id = $1`, [id])).rejects.toThrow(/cannot change/);
    await expect(t.db.query(`UPDATE withdrawals SET address = 'bc1qattacker' WHERE id = $1`, [id])).rejects.toThrow(/cannot change/);
    await expect(t.db.query(`DELETE FROM withdrawals WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
    // Approved without an approver: the CHECK refuses it.
    await expect(t.db.query(`UPDATE withdrawals SET status = 'approved' WHERE id = $1`, [id])).rejects.toThrow(/ck_withdrawals_approved/);

    expect((await t.http.post(`/v1/withdrawals/${id}/reject`, { reason: 'test' }, { token: finance.token })).status).toBe(200);
    await expect(t.db.query(`UPDATE withdrawals SET status = 'requested' WHERE id = $1`, [id])).rejects.toThrow(
      /rejected -> requested is not a valid transition/,
    );
  });

  it('never rewrites a whitelisted address, only removes it once', async () => {
    const customer = await readyCustomer(t, clock, 0n);
    await expect(t.db.query(`UPDATE payout_addresses SET address = 'bc1qattacker' WHERE id = $1`, [customer.addressId])).rejects.toThrow(
      /only an active address can be removed/,
    );
    await expect(t.db.query(`UPDATE payout_addresses SET usable_from = usable_from - interval '2 days' WHERE id = $1`, [customer.addressId])).rejects.toThrow(
      /only an active address/,
    );
    await expect(t.db.query(`DELETE FROM payout_addresses WHERE id = $1`, [customer.addressId])).rejects.toThrow(/append-only/);
  });

  it('refuses a batch going from exported straight to confirmed, or changing its txid', async () => {
    const finance = await createUser(t, 'finance');
    const { rows } = await t.db.query(
      `INSERT INTO payout_batches (status, withdrawal_count, total_net_sats, total_amount_sats, created_by, created_at) VALUES ('exported', 1, 998000, 1000000, $1, now()) RETURNING id`,
      [finance.id],
    );
    const id = rows[0].id;
    await expect(t.db.query(`UPDATE payout_batches SET status = 'confirmed', txid = $2 WHERE id = $1`, [id, 'a'.repeat(64)])).rejects.toThrow(
      /exported -> confirmed is not a valid transition/,
    );
    await t.db.query(`UPDATE payout_batches SET status = 'broadcast', txid = $2 WHERE id = $1`, [id, 'a'.repeat(64)]);
    await expect(t.db.query(`UPDATE payout_batches SET txid = $2 WHERE id = $1`, [id, 'c'.repeat(64)])).rejects.toThrow(/txid cannot change/);
    await expect(t.db.query(`UPDATE payout_batches SET status = 'exported' WHERE id = $1`, [id])).rejects.toThrow(
      /broadcast -> exported is not a valid transition/,
    );
  });
});
