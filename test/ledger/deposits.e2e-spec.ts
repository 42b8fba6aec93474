import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { balanceRow, uniqueKey } from './ledger-support.js';

describe('POST /v1/deposits', () => {
  let t: TestApp;
  let finance: TestUser;
  let admin: TestUser;
  let customer: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    finance = await createUser(t, 'finance');
    admin = await createUser(t, 'admin');
    customer = await createUser(t, 'customer');
  });
  afterAll(async () => {
    await t.close();
  });

  const deposit = (body: Record<string, unknown>, token = finance.token) => t.http.post('/v1/deposits', body, { token });

  it('credits the customer, returns the entry and writes an audit record', async () => {
    const ref = uniqueKey('WIRE');
    const res = await deposit({ customerId: customer.id, currency: 'USD', amount: '250.5', externalReference: ref });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ customerId: customer.id, currency: 'USD', amount: '250.500000', externalReference: ref, replayed: false });
    expect(await balanceRow(t, customer.id, 'USD')).toBe(250_500_000n);
    const audit = await t.db.query(`SELECT actor_id, action, entity_id, after FROM audit_log WHERE entity_id = $1`, [res.body.entryId]);
    expect(audit.rows).toEqual([
      {
        actor_id: finance.id,
        action: 'ledger.deposit',
        entity_id: res.body.entryId,
        after: expect.objectContaining({ amount: '250.500000', externalReference: ref }),
      },
    ]);
  });

  it('admins may record BTC deposits with 8 decimals', async () => {
    const res = await deposit({ customerId: customer.id, currency: 'BTC', amount: '0.00012345', externalReference: uniqueKey('tx') }, admin.token);
    expect(res.status).toBe(201);
    expect(res.body.amount).toBe('0.00012345');
    expect(await balanceRow(t, customer.id, 'BTC')).toBe(12_345n);
  });

  it('credits once when the same reference is posted 20 times concurrently', async () => {
    const other = await createUser(t, 'customer');
    const body = { customerId: other.id, currency: 'USD', amount: '100', externalReference: uniqueKey('WIRE') };
    const responses = await Promise.all(Array.from({ length: 20 }, () => deposit(body)));
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 201]);
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    expect(new Set(responses.map((r) => r.body.entryId))).toEqual(new Set([created[0].body.entryId]));
    expect(responses.filter((r) => r.body.replayed)).toHaveLength(19);
    expect(await balanceRow(t, other.id, 'USD')).toBe(100_000_000n);
    const entries = await t.db.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1`, [body.externalReference]);
    expect(entries.rows[0].n).toBe(1);
    const audits = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1`, [created[0].body.entryId]);
    expect(audits.rows[0].n).toBe(1);

    const conflict = await deposit({ ...body, amount: '100.01' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('LEDGER.IDEMPOTENCY_CONFLICT');
    const otherCustomer = await deposit({ ...body, customerId: customer.id });
    expect(otherCustomer.status).toBe(409);
    expect(await balanceRow(t, other.id, 'USD')).toBe(100_000_000n);
  });

  it.each([
    [{ amount: '1.1234567' }, 'amount must have at most 6 decimal places'],
    [{ amount: '-5' }, 'amount must not be negative'],
    [{ amount: '0' }, 'amount must be greater than zero'],
    [{ amount: '1e3' }, 'amount must not use exponent notation'],
    [{ amount: '+5' }, 'amount must not have a leading +'],
    [{ amount: ' 5' }, 'amount must not contain whitespace'],
    [{ amount: 5 }, 'amount must be a decimal string'],
    [{ amount: '9223372036854.775808' }, 'amount is too large'],
    [{ currency: 'EUR' }, 'currency must be one of the following values'],
    [{ customerId: 'nope' }, 'customerId must be a UUID'],
    [{ externalReference: '' }, 'externalReference must be longer than or equal to 1 characters'],
    [{ externalReference: ' padded' }, 'externalReference must be printable ASCII'],
    [{ extra: 1 }, 'property extra should not exist'],
  ])('refuses %j with a 400 naming the field, writing nothing', async (override, message) => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM ledger_entries`);
    const res = await deposit({ customerId: customer.id, currency: 'USD', amount: '5', externalReference: uniqueKey('bad'), ...override });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION.FAILED');
    expect(res.body.message).toContain(message);
    const after = await t.db.query(`SELECT count(*)::int AS n FROM ledger_entries`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('takes the decimals of the currency: 8 for BTC', async () => {
    const res = await deposit({ customerId: customer.id, currency: 'BTC', amount: '0.123456789', externalReference: uniqueKey('tx') });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('amount must have at most 8 decimal places');
  });

  it('is 404 for a user who is not a customer, or no user at all, and writes nothing', async () => {
    for (const customerId of [finance.id, '00000000-0000-4000-8000-000000000000']) {
      const ref = uniqueKey('WIRE');
      const res = await deposit({ customerId, currency: 'USD', amount: '5', externalReference: ref });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('LEDGER.CUSTOMER_NOT_FOUND');
      expect((await t.db.query(`SELECT 1 FROM ledger_entries WHERE reference = $1`, [ref])).rowCount).toBe(0);
    }
  });

  it('is for finance and admins only', async () => {
    const body = { customerId: customer.id, currency: 'USD', amount: '5', externalReference: uniqueKey('WIRE') };
    expect((await deposit(body, customer.token)).status).toBe(403);
    const operator = await createUser(t, 'operator');
    expect((await deposit(body, operator.token)).status).toBe(403);
    expect((await t.http.post('/v1/deposits', body)).status).toBe(401);
  });
});
