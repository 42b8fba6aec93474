import { parse } from 'csv-parse/sync';
import { FixedClock } from '../../src/common/clock/clock.js';
import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { uniqueKey } from './ledger-support.js';

describe('customer views: balances, ledger and statements', () => {
  const clock = new FixedClock(new Date('2025-01-10T12:00:00Z'));
  let t: TestApp;
  let ledger: LedgerService;
  let finance: TestUser;
  let customer: TestUser;

  const deposit = async (amount: string, currency = 'USD') => {
    const res = await t.http.post(
      '/v1/deposits',
      { customerId: customer.id, currency, amount, externalReference: uniqueKey('WIRE') },
      { token: finance.token },
    );
    expect(res.status).toBe(201);
    return res.body;
  };
  const spend = (amountMicroUsd: bigint, reference: string) =>
    ledger.transfer({
      type: 'contract.purchase',
      idempotencyKey: uniqueKey('buy'),
      reference,
      actor: SYSTEM_ACTOR,
      from: customerAccount(customer.id, 'USD'),
      to: platformAccount('sales_revenue', 'USD'),
      amount: amountMicroUsd,
    });

  beforeAll(async () => {
    t = await startTestApp({ clock });
    ledger = t.app.get(LedgerService);
    finance = await createUser(t, 'finance');
    customer = await createUser(t, 'customer');

    // December: 100 in. January: 40.25 in, 30 out, 0.0001 BTC in. February: 5 out.
    clock.set(new Date('2024-12-31T23:59:59.999Z'));
    await deposit('100');
    clock.set(new Date('2025-01-01T00:00:00.000Z'));
    await deposit('40.25');
    clock.set(new Date('2025-01-15T08:30:00Z'));
    await spend(30_000_000n, 'contract-1');
    await deposit('0.0001', 'BTC');
    clock.set(new Date('2025-02-01T00:00:00Z'));
    await spend(5_000_000n, 'contract-2');
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /v1/me/balances shows decimal strings per currency', async () => {
    await ledger.reserve({ customerId: customer.id, currency: 'BTC', amount: 2_000n, idempotencyKey: uniqueKey('hold'), actor: SYSTEM_ACTOR });
    const res = await t.http.get('/v1/me/balances', { token: customer.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      balances: [
        { currency: 'BTC', available: '0.00008000', reserved: '0.00002000', arrears: '0.00000000' },
        { currency: 'USD', available: '105.250000', reserved: '0.000000', arrears: '0.000000' },
      ],
    });
    await ledger.release({ customerId: customer.id, currency: 'BTC', amount: 2_000n, idempotencyKey: uniqueKey('unhold'), actor: SYSTEM_ACTOR });
  });

  it('shows zeros to a customer who never had money, and is for customers only', async () => {
    const fresh = await createUser(t, 'customer');
    const res = await t.http.get('/v1/me/balances', { token: fresh.token });
    expect(res.body.balances[1]).toEqual({ currency: 'USD', available: '0.000000', reserved: '0.000000', arrears: '0.000000' });
    expect((await t.http.get('/v1/me/balances', { token: finance.token })).status).toBe(403);
    expect((await t.http.get('/v1/me/ledger')).status).toBe(401);
  });

  it('GET /v1/me/ledger pages through every line newest first with balance after', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/v1/me/ledger?currency=USD&account=available&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.http.get(path, { token: customer.token });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.map((l) => [l.type, l.amount, l.balanceAfter, l.reference])).toEqual([
      ['contract.purchase', '-5.000000', '105.250000', 'contract-2'],
      ['contract.purchase', '-30.000000', '110.250000', 'contract-1'],
      ['deposit', '40.250000', '140.250000', expect.stringMatching(/^WIRE-/)],
      ['deposit', '100.000000', '100.000000', expect.stringMatching(/^WIRE-/)],
    ]);
    expect(seen.every((l) => l.currency === 'USD' && l.account === 'available')).toBe(true);
  });

  it('lists every currency and bucket without filters, and never another customer’s lines', async () => {
    const other = await createUser(t, 'customer');
    const all = await t.http.get('/v1/me/ledger?limit=200', { token: customer.token });
    expect(all.body.items.map((l: any) => `${l.currency}:${l.account}`)).toEqual(expect.arrayContaining(['USD:available', 'BTC:available', 'BTC:reserved']));
    const none = await t.http.get('/v1/me/ledger', { token: other.token });
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a forged cursor and bad filters with a 400 naming the field', async () => {
    const bad = await t.http.get('/v1/me/ledger?cursor=not-a-cursor', { token: customer.token });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('cursor');
    const forged = Buffer.from(JSON.stringify(['yesterday', 'x', 1])).toString('base64url');
    expect((await t.http.get(`/v1/me/ledger?cursor=${forged}`, { token: customer.token })).status).toBe(400);
    const currency = await t.http.get('/v1/me/ledger?currency=EUR', { token: customer.token });
    expect(currency.status).toBe(400);
    expect(currency.body.message).toContain('currency');
  });

  it('GET /v1/me/statements/2025-01 adds up: opening + movements = closing', async () => {
    const res = await t.http.get('/v1/me/statements/2025-01', { token: customer.token });
    expect(res.status).toBe(200);
    const usd = res.body.accounts.find((a: any) => a.currency === 'USD' && a.account === 'available');
    expect(usd).toMatchObject({ opening: '100.000000', credits: '40.250000', debits: '30.000000', closing: '110.250000' });
    expect(usd.movements.map((m: any) => [m.postedAt, m.type, m.amount, m.balance])).toEqual([
      ['2025-01-01T00:00:00.000Z', 'deposit', '40.250000', '140.250000'],
      ['2025-01-15T08:30:00.000Z', 'contract.purchase', '-30.000000', '110.250000'],
    ]);
    const btc = res.body.accounts.find((a: any) => a.currency === 'BTC' && a.account === 'available');
    expect(btc).toMatchObject({ opening: '0.00000000', closing: '0.00010000' });
    expect(res.body).toMatchObject({ month: '2025-01', periodStart: '2025-01-01T00:00:00.000Z', periodEnd: '2025-02-01T00:00:00.000Z' });
    expect(res.body.accounts.map((a: any) => `${a.currency}:${a.account}`)).toEqual([
      'BTC:available',
      'BTC:reserved',
      'USD:available',
      'USD:reserved',
      'USD:arrears',
    ]);
  });

  it('chains months: one month’s closing is the next one’s opening', async () => {
    const months = ['2024-12', '2025-01', '2025-02', '2025-03'];
    const statements = await Promise.all(months.map((m) => t.http.get(`/v1/me/statements/${m}`, { token: customer.token })));
    const usd = statements.map((s) => s.body.accounts.find((a: any) => a.currency === 'USD' && a.account === 'available'));
    expect(usd.map((a) => [a.opening, a.closing])).toEqual([
      ['0.000000', '100.000000'],
      ['100.000000', '110.250000'],
      ['110.250000', '105.250000'],
      ['105.250000', '105.250000'],
    ]);
  });

  it('serves the statement as CSV by Accept header or ?format=csv', async () => {
    for (const [path, headers] of [
      ['/v1/me/statements/2025-01', { accept: 'text/csv' }],
      ['/v1/me/statements/2025-01?format=csv', {}],
    ] as const) {
      const res = await t.http.get(path, { token: customer.token, headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      const rows: Record<string, string>[] = parse(res.text, { columns: true });
      const usd = rows.filter((r) => r.currency === 'USD' && r.account === 'available');
      expect(usd.map((r) => [r.type, r.amount, r.balance])).toEqual([
        ['opening_balance', '', '100.000000'],
        ['deposit', '40.250000', '140.250000'],
        ['contract.purchase', '-30.000000', '110.250000'],
        ['closing_balance', '', '110.250000'],
      ]);
    }
  });

  it('keeps a reference that looks like a formula inert in the CSV', async () => {
    clock.set(new Date('2025-06-02T10:00:00Z'));
    const externalReference = `=HYPERLINK("x")-${uniqueKey('r')}`;
    const res = await t.http.post('/v1/deposits', { customerId: customer.id, currency: 'USD', amount: '1', externalReference }, { token: finance.token });
    expect(res.status).toBe(201);
    const csv = await t.http.get('/v1/me/statements/2025-06?format=csv', { token: customer.token });
    const rows: Record<string, string>[] = parse(csv.text, { columns: true });
    expect(rows.find((r) => r.type === 'deposit')?.reference).toBe(`'${externalReference}`);
    const json = await t.http.get('/v1/me/statements/2025-06', { token: customer.token });
    expect(json.body.accounts.find((a: any) => a.currency === 'USD' && a.account === 'available').movements[0].reference).toBe(externalReference);
  });

  it('refuses a month that is not YYYY-MM', async () => {
    for (const month of ['2025-13', '2025-1', 'january', '2025-01-01']) {
      const res = await t.http.get(`/v1/me/statements/${month}`, { token: customer.token });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('month must be a month as YYYY-MM');
    }
    expect((await t.http.get('/v1/me/statements/2025-01?format=xml', { token: customer.token })).status).toBe(400);
  });
});
