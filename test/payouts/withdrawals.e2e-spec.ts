import type { FixedClock } from '../../src/common/clock/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import {
  HOUR_MS,
  MAINNET_ADDRESSES,
  addAddress,
  assertLedgerBalanced,
  auditActions,
  btcBalances,
  idempotencyKey,
  outboxRows,
  readyCustomer,
  requestWithdrawal,
  testClock,
  userWithTotp,
} from '../support/payouts.js';

describe('withdrawal requests', () => {
  let t: TestApp;
  let clock: FixedClock;

  beforeAll(async () => {
    clock = testClock();
    t = await startTestApp({ clock, env: { WITHDRAWAL_DAILY_LIMIT_SATS: '3000000', WITHDRAWAL_MIN_SATS: '10000', WITHDRAWAL_NETWORK_FEE_SATS: '2000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('reserves the amount in the same transaction, audits it, notifies, and says it waits for approval', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const res = await requestWithdrawal(t, customer, '0.01000000');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'requested',
      waitingFor: 'approval',
      addressId: customer.addressId,
      address: MAINNET_ADDRESSES.p2wpkh,
      amount: '0.01000000',
      amountSats: '1000000',
      networkFee: '0.00002000',
      networkFeeSats: '2000',
      netAmount: '0.00998000',
      netSats: '998000',
      source: 'manual',
      approvals: { required: 1, given: 0 },
    });
    expect(await btcBalances(t, customer.id)).toEqual({ available: 4_000_000n, reserved: 1_000_000n });
    expect(await auditActions(t, res.body.id)).toEqual(['withdrawal.requested']);
    const notices = (await outboxRows(t, 'payouts.withdrawal_requested')).filter((r) => r.payload.data.withdrawalId === res.body.id);
    expect(notices[0].payload).toMatchObject({ to: { userId: customer.id, email: customer.email }, data: { amount: '0.01000000', youReceive: '0.00998000' } });
    await assertLedgerBalanced(t);
  });

  it('answers a replay with the first result and moves nothing; the same key with another body is a 409', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const key = idempotencyKey();
    const first = await requestWithdrawal(t, customer, '0.01000000', { key });
    expect(first.status).toBe(201);
    // The replay needs no valid code: it moves nothing and returns what the customer already has.
    const replay = await requestWithdrawal(t, customer, '0.01000000', { key, totpCode: '000000' });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);
    const other = await requestWithdrawal(t, customer, '0.02000000', { key });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('PAYOUTS.IDEMPOTENCY_KEY_REUSED');
    expect(await btcBalances(t, customer.id)).toEqual({ available: 4_000_000n, reserved: 1_000_000n });
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM withdrawals WHERE user_id = $1`, [customer.id]);
    expect(rows[0].n).toBe(1);

    const noKey = await t.http.post(
      '/v1/me/withdrawals',
      { addressId: customer.addressId, amount: '0.01', totpCode: await customer.nextCode() },
      { token: customer.token, headers: customer.headers },
    );
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('PAYOUTS.IDEMPOTENCY_KEY_REQUIRED');
  });

  it('refuses a stolen access token alone and a replayed TOTP code', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const noCode = await t.http.post(
      '/v1/me/withdrawals',
      { addressId: customer.addressId, amount: '0.01000000' },
      { token: customer.token, headers: { ...customer.headers, 'idempotency-key': idempotencyKey() } },
    );
    expect(noCode.status).toBe(400);
    expect(noCode.body.message).toContain('totpCode');
    const code = await customer.nextCode();
    const wrong = await requestWithdrawal(t, customer, '0.01000000', { totpCode: code === '123456' ? '654321' : '123456' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('AUTH.TOTP_INVALID');

    const ok = await requestWithdrawal(t, customer, '0.01000000', { totpCode: code });
    expect(ok.status).toBe(201);
    const replayed = await requestWithdrawal(t, customer, '0.01000000', { totpCode: code });
    expect(replayed.status).toBe(403);
    expect(replayed.body.code).toBe('AUTH.TOTP_REPLAYED');
    expect(await btcBalances(t, customer.id)).toEqual({ available: 4_000_000n, reserved: 1_000_000n });
  });

  it('refuses a new address until its time lock has passed', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const newId = await addAddress(t, customer, MAINNET_ADDRESSES.p2tr);
    const addedAt = clock.now();
    const early = await requestWithdrawal(t, customer, '0.01000000', { body: { addressId: newId } });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      code: 'PAYOUTS.ADDRESS_TIME_LOCKED',
      details: { usableFrom: new Date(addedAt.getTime() + 48 * HOUR_MS).toISOString() },
    });
    expect(await btcBalances(t, customer.id)).toEqual({ available: 5_000_000n, reserved: 0n });

    clock.advanceMs(47 * HOUR_MS);
    expect((await requestWithdrawal(t, customer, '0.01000000', { body: { addressId: newId } })).status).toBe(409);
    clock.advanceMs(1 * HOUR_MS);
    const onTime = await requestWithdrawal(t, customer, '0.01000000', { body: { addressId: newId } });
    expect(onTime.status).toBe(201);
    expect(onTime.body.address).toBe(MAINNET_ADDRESSES.p2tr);
  });

  it('accepts a whitelisted address by its text and refuses one that is not on the whitelist', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const byText = await requestWithdrawal(t, customer, '0.01000000', {
      body: { addressId: undefined, address: 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4' },
    });
    expect(byText.status).toBe(201);
    expect(byText.body.addressId).toBe(customer.addressId);
    const elsewhere = await requestWithdrawal(t, customer, '0.01000000', { body: { addressId: undefined, address: MAINNET_ADDRESSES.p2sh } });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.code).toBe('PAYOUTS.ADDRESS_NOT_WHITELISTED');
    const both = await requestWithdrawal(t, customer, '0.01000000', { body: { address: MAINNET_ADDRESSES.p2wpkh } });
    expect(both.status).toBe(400);
  });

  it('locks withdrawals after a password change and shows why a pending one waits', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const pending = await requestWithdrawal(t, customer, '0.01000000');
    expect(pending.status).toBe(201);
    const changed = await t.http.post(
      '/v1/auth/password',
      { currentPassword: customer.password, newPassword: 'an entirely new passphrase', totpCode: await customer.nextCode() },
      { token: customer.token, headers: customer.headers },
    );
    expect(changed.status).toBe(204);
    const lockedUntil = new Date(clock.now().getTime() + 48 * HOUR_MS).toISOString();
    const refused = await requestWithdrawal(t, customer, '0.01000000');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'PAYOUTS.ACCOUNT_TIME_LOCKED', details: { until: lockedUntil } });

    const list = await t.http.get('/v1/me/withdrawals', { token: customer.token });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: pending.body.id, waitingFor: 'account_time_lock', waitingUntil: lockedUntil });

    const finance = await createUser(t, 'finance');
    const approve = await t.http.post(`/v1/withdrawals/${pending.body.id}/approve`, {}, { token: finance.token });
    expect(approve.status).toBe(409);
    expect(approve.body.code).toBe('PAYOUTS.ACCOUNT_TIME_LOCKED');
    clock.advanceMs(48 * HOUR_MS + 1000);
    expect((await t.http.post(`/v1/withdrawals/${pending.body.id}/approve`, {}, { token: finance.token })).status).toBe(200);
  });

  it('enforces the minimum, the decimal format and the balance, writing nothing when refused', async () => {
    const customer = await readyCustomer(t, clock, 500_000n);
    const small = await requestWithdrawal(t, customer, '0.00009999');
    expect(small.status).toBe(400);
    expect(small.body).toMatchObject({ code: 'PAYOUTS.BELOW_MINIMUM', message: 'amount must be at least 0.00010000 BTC' });
    const precise = await requestWithdrawal(t, customer, '0.000100001');
    expect(precise.status).toBe(400);
    expect(precise.body.message).toContain('amount must have at most 8 decimal places');
    const number = await requestWithdrawal(t, customer, 0.01 as unknown as string);
    expect(number.status).toBe(400);
    const tooMuch = await requestWithdrawal(t, customer, '0.00600000');
    expect(tooMuch.status).toBe(402);
    expect(tooMuch.body.code).toBe('LEDGER.INSUFFICIENT_BALANCE');
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM withdrawals WHERE user_id = $1`, [customer.id]);
    expect(rows[0].n).toBe(0);
    const usage = await t.db.query(`SELECT coalesce(sum(amount_sats), 0)::text AS used FROM withdrawal_daily_usage WHERE user_id = $1`, [customer.id]);
    expect(usage.rows[0].used).toBe('0');
    expect(await btcBalances(t, customer.id)).toEqual({ available: 500_000n, reserved: 0n });
  });

  it('enforces the daily limit; cancelled amounts no longer count and the next UTC day starts afresh', async () => {
    const customer = await readyCustomer(t, clock, 10_000_000n);
    clock.set(new Date(Date.UTC(2031, 0, 5, 9, 0, 0)));
    const first = await requestWithdrawal(t, customer, '0.02000000');
    expect(first.status).toBe(201);
    const over = await requestWithdrawal(t, customer, '0.01500000');
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'PAYOUTS.DAILY_LIMIT_EXCEEDED', details: { limit: '0.03000000', remaining: '0.01000000' } });
    const cancelled = await t.http.post(`/v1/me/withdrawals/${first.body.id}/cancel`, {}, { token: customer.token });
    expect(cancelled.status).toBe(200);
    expect((await requestWithdrawal(t, customer, '0.01500000')).status).toBe(201);
    expect((await requestWithdrawal(t, customer, '0.01500000')).status).toBe(201);
    expect((await requestWithdrawal(t, customer, '0.00010000')).status).toBe(409);
    clock.set(new Date(Date.UTC(2031, 0, 6, 0, 0, 30)));
    expect((await requestWithdrawal(t, customer, '0.02000000')).status).toBe(201);
    await assertLedgerBalanced(t);
  });

  it('cancels only while requested, releasing the funds; only the owner can', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const other = await readyCustomer(t, clock, 0n, MAINNET_ADDRESSES.p2pkh);
    const res = await requestWithdrawal(t, customer, '0.01000000');
    expect((await t.http.post(`/v1/me/withdrawals/${res.body.id}/cancel`, {}, { token: other.token })).status).toBe(404);
    expect((await t.http.get(`/v1/me/withdrawals/${res.body.id}`, { token: other.token })).status).toBe(404);
    const cancelled = await t.http.post(`/v1/me/withdrawals/${res.body.id}/cancel`, {}, { token: customer.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', waitingFor: null });
    expect(await btcBalances(t, customer.id)).toEqual({ available: 5_000_000n, reserved: 0n });
    const again = await t.http.post(`/v1/me/withdrawals/${res.body.id}/cancel`, {}, { token: customer.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('PAYOUTS.INVALID_TRANSITION');
    expect(await auditActions(t, res.body.id)).toEqual(['withdrawal.requested', 'withdrawal.cancelled']);

    const approved = await requestWithdrawal(t, customer, '0.01000000');
    const finance = await createUser(t, 'finance');
    expect((await t.http.post(`/v1/withdrawals/${approved.body.id}/approve`, {}, { token: finance.token })).status).toBe(200);
    const late = await t.http.post(`/v1/me/withdrawals/${approved.body.id}/cancel`, {}, { token: customer.token });
    expect(late.status).toBe(409);
    await assertLedgerBalanced(t);
  });

  it('lists only the caller’s own withdrawals, newest first, with cursor pagination', async () => {
    const customer = await readyCustomer(t, clock, 5_000_000n);
    const other = await readyCustomer(t, clock, 5_000_000n, MAINNET_ADDRESSES.p2pkh);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await requestWithdrawal(t, customer, '0.00100000')).body.id);
    await requestWithdrawal(t, other, '0.00100000');
    const page1 = await t.http.get('/v1/me/withdrawals?limit=2', { token: customer.token });
    expect(page1.body.items.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
    const page2 = await t.http.get(`/v1/me/withdrawals?limit=2&cursor=${page1.body.nextCursor}`, { token: customer.token });
    expect(page2.body.items.map((w: { id: string }) => w.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();
    expect((await t.http.get('/v1/me/withdrawals?status=nonsense', { token: customer.token })).status).toBe(400);
    for (const item of page1.body.items) expect(item).not.toHaveProperty('userId');
  });

  it('is for customers only', async () => {
    const finance = await createUser(t, 'finance');
    const res = await t.http.post(
      '/v1/me/withdrawals',
      { addressId: '00000000-0000-4000-8000-000000000000', amount: '0.01', totpCode: '123456' },
      { token: finance.token, headers: { 'idempotency-key': idempotencyKey() } },
    );
    expect(res.status).toBe(403);
    expect((await t.http.get('/v1/me/withdrawals', { token: finance.token })).status).toBe(403);
    const customer = await userWithTotp(t, clock);
    expect((await t.http.get('/v1/withdrawals', { token: customer.token })).status).toBe(403);
  });
});
