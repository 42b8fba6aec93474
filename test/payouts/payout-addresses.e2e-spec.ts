import type { FixedClock } from '../../src/common/clock/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import {
  HOUR_MS,
  MAINNET_ADDRESSES,
  TESTNET_ADDRESS,
  addAddress,
  auditActions,
  codeAt,
  ipHeader,
  outboxRows,
  testClock,
  userWithTotp,
} from '../support/payouts.js';

describe('payout addresses', () => {
  let t: TestApp;
  let clock: FixedClock;

  beforeAll(async () => {
    clock = testClock();
    t = await startTestApp({ clock, env: { PAYOUT_ADDRESS_RATE_LIMIT_PER_HOUR: '6' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('whitelists an address with a TOTP code, time-locks it, audits it and notifies the customer', async () => {
    const customer = await userWithTotp(t, clock);
    const res = await t.http.post(
      '/v1/me/payout-addresses',
      { address: 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', label: 'cold', totpCode: await customer.nextCode() },
      { token: customer.token, headers: customer.headers },
    );
    expect(res.status).toBe(201);
    const addedAt = clock.now();
    expect(res.body).toMatchObject({
      address: MAINNET_ADDRESSES.p2wpkh,
      type: 'p2wpkh',
      network: 'mainnet',
      label: 'cold',
      usable: false,
      createdAt: addedAt.toISOString(),
      usableFrom: new Date(addedAt.getTime() + 48 * HOUR_MS).toISOString(),
    });

    const notices = (await outboxRows(t, 'payouts.address_added')).filter((r) => r.payload.to.userId === customer.id);
    expect(notices).toHaveLength(1);
    expect(notices[0].payload).toMatchObject({
      to: { userId: customer.id, email: customer.email },
      template: 'payout-address-added',
      data: { addressId: res.body.id, address: MAINNET_ADDRESSES.p2wpkh, usableFrom: res.body.usableFrom },
    });
    expect(await auditActions(t, res.body.id)).toEqual(['payout_address.added']);

    const list = await t.http.get('/v1/me/payout-addresses', { token: customer.token });
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([res.body.id]);
    clock.advanceMs(48 * HOUR_MS);
    const later = await t.http.get('/v1/me/payout-addresses', { token: customer.token });
    expect(later.body.items[0].usable).toBe(true);
  });

  it('refuses a stolen access token alone: no code, a wrong code, a replayed code', async () => {
    const customer = await userWithTotp(t, clock);
    const withoutCode = await t.http.post('/v1/me/payout-addresses', { address: MAINNET_ADDRESSES.p2tr }, { token: customer.token, headers: customer.headers });
    expect(withoutCode.status).toBe(400);
    expect(withoutCode.body.message).toContain('totpCode');

    clock.advanceMs(30_000);
    const right = await codeAt(customer.secret, clock);
    const wrong = right === '000000' ? '111111' : '000000';
    const wrongCode = await t.http.post(
      '/v1/me/payout-addresses',
      { address: MAINNET_ADDRESSES.p2tr, totpCode: wrong },
      { token: customer.token, headers: customer.headers },
    );
    expect(wrongCode.status).toBe(403);
    expect(wrongCode.body.code).toBe('AUTH.TOTP_INVALID');

    const first = await t.http.post(
      '/v1/me/payout-addresses',
      { address: MAINNET_ADDRESSES.p2tr, totpCode: right },
      { token: customer.token, headers: customer.headers },
    );
    expect(first.status).toBe(201);
    // The same code again (an attacker replaying what they saw) is refused, even for another address.
    const replayed = await t.http.post(
      '/v1/me/payout-addresses',
      { address: MAINNET_ADDRESSES.p2pkh, totpCode: right },
      { token: customer.token, headers: customer.headers },
    );
    expect(replayed.status).toBe(403);
    expect(replayed.body.code).toBe('AUTH.TOTP_REPLAYED');

    const { rows } = await t.db.query(`SELECT address FROM payout_addresses WHERE user_id = $1`, [customer.id]);
    expect(rows.map((r) => r.address)).toEqual([MAINNET_ADDRESSES.p2tr]);
  });

  it('requires TOTP to be enrolled first', async () => {
    const customer = await createUser(t, 'customer');
    const res = await t.http.post(
      '/v1/me/payout-addresses',
      { address: MAINNET_ADDRESSES.p2tr, totpCode: '123456' },
      { token: customer.token, headers: ipHeader() },
    );
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('AUTH.TOTP_NOT_ENABLED');
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM payout_addresses WHERE user_id = $1`, [customer.id]);
    expect(rows[0].n).toBe(0);
  });

  it('refuses an address of another network with the reason, and an invalid one, without using the code', async () => {
    const customer = await userWithTotp(t, clock);
    const code = await customer.nextCode();
    const testnet = await t.http.post(
      '/v1/me/payout-addresses',
      { address: TESTNET_ADDRESS, totpCode: code },
      { token: customer.token, headers: customer.headers },
    );
    expect(testnet.status).toBe(400);
    expect(testnet.body).toMatchObject({
      code: 'PAYOUTS.INVALID_ADDRESS',
      message: 'address is a testnet address; this platform pays out on mainnet',
      details: { field: 'address', problem: 'wrong_network' },
    });
    const typo = await t.http.post(
      '/v1/me/payout-addresses',
      { address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', totpCode: code },
      { token: customer.token, headers: customer.headers },
    );
    expect(typo.status).toBe(400);
    expect(typo.body.details).toEqual({ field: 'address', problem: 'invalid_checksum' });
    // The code was not consumed by the refused requests.
    const ok = await t.http.post(
      '/v1/me/payout-addresses',
      { address: MAINNET_ADDRESSES.p2sh, totpCode: code },
      { token: customer.token, headers: customer.headers },
    );
    expect(ok.status).toBe(201);
  });

  it('refuses a duplicate and removes with a TOTP code; another customer gets 404', async () => {
    const customer = await userWithTotp(t, clock);
    const other = await userWithTotp(t, clock);
    const id = await addAddress(t, customer, MAINNET_ADDRESSES.p2pkh);
    const code = await customer.nextCode();
    const duplicate = await t.http.post(
      '/v1/me/payout-addresses',
      { address: MAINNET_ADDRESSES.p2pkh, totpCode: code },
      { token: customer.token, headers: customer.headers },
    );
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('PAYOUTS.ADDRESS_EXISTS');

    const foreign = await t.http.delete(`/v1/me/payout-addresses/${id}`, { totpCode: await other.nextCode() }, { token: other.token, headers: other.headers });
    expect(foreign.status).toBe(404);
    const noCode = await t.http.delete(`/v1/me/payout-addresses/${id}`, {}, { token: customer.token, headers: customer.headers });
    expect(noCode.status).toBe(400);

    // The refused duplicate did not use up its code.
    const removed = await t.http.delete(`/v1/me/payout-addresses/${id}`, { totpCode: code }, { token: customer.token, headers: customer.headers });
    expect(removed.status).toBe(200);
    expect(removed.body.removedAt).not.toBeNull();
    expect((await t.http.get('/v1/me/payout-addresses', { token: customer.token })).body.items).toEqual([]);
    expect((await t.http.get('/v1/me/payout-addresses', { token: other.token })).body.items).toEqual([]);
    expect(await auditActions(t, id)).toEqual(['payout_address.added', 'payout_address.removed']);
    expect((await outboxRows(t, 'payouts.address_removed')).some((r) => r.payload.data.addressId === id)).toBe(true);
    // Removed, it can be whitelisted again (with a new time lock).
    expect(await addAddress(t, customer, MAINNET_ADDRESSES.p2pkh)).not.toBe(id);
  });

  it('rate-limits address changes per account', async () => {
    const customer = await userWithTotp(t, clock);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await t.http.post(
        '/v1/me/payout-addresses',
        { address: TESTNET_ADDRESS, totpCode: '000000' },
        { token: customer.token, headers: ipHeader() },
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 6)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(statuses.slice(6)).toEqual([429, 429]);
  });

  it('is for customers only and validates the path id', async () => {
    const finance = await createUser(t, 'finance');
    expect((await t.http.get('/v1/me/payout-addresses', { token: finance.token })).status).toBe(403);
    expect((await t.http.get('/v1/me/payout-addresses')).status).toBe(401);
    const customer = await userWithTotp(t, clock);
    const bad = await t.http.delete('/v1/me/payout-addresses/not-a-uuid', { totpCode: '123456' }, { token: customer.token, headers: customer.headers });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('id must be a UUID');
  });
});
