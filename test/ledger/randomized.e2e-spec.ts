import fc from 'fast-check';
import { formatAmount, type Currency } from '../../src/common/money/units.js';
import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerIntegrityService } from '../../src/modules/ledger/ledger-integrity.service.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import type { PostEntryInput } from '../../src/modules/ledger/ledger.types.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { uniqueKey } from './ledger-support.js';

type Op =
  | { kind: 'deposit'; customer: number; currency: Currency; amount: bigint }
  | { kind: 'debit'; customer: number; currency: Currency; amount: bigint }
  | { kind: 'transfer'; from: number; to: number; currency: Currency; amount: bigint }
  | { kind: 'reserve' | 'release'; customer: number; currency: Currency; amount: bigint }
  | { kind: 'replay' | 'conflict'; pick: number };

const currency = fc.constantFrom<Currency>('USD', 'BTC');
const customer = fc.integer({ min: 0, max: 3 });
const amount = fc.bigInt({ min: 1n, max: 5_000n });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), customer, currency, amount }),
  fc.record({ kind: fc.constant('debit' as const), customer, currency, amount }),
  fc.record({ kind: fc.constant('transfer' as const), from: customer, to: customer, currency, amount }),
  fc.record({ kind: fc.constantFrom('reserve' as const, 'release' as const), customer, currency, amount }),
  fc.record({ kind: fc.constantFrom('replay' as const, 'conflict' as const), pick: fc.nat() }),
);

/**
 * Random sequences of deposits (real HTTP), debits, transfers, reservations, replays and
 * conflicting replays against a model: balances match the model, every currency's trial
 * balance is zero, and the integrity check finds no drift.
 */
describe('ledger against a model, under random operation sequences', () => {
  let t: TestApp;
  let ledger: LedgerService;
  let finance: TestUser;
  let customers: TestUser[];

  beforeAll(async () => {
    t = await startTestApp();
    ledger = t.app.get(LedgerService);
    finance = await createUser(t, 'finance');
    customers = await Promise.all(Array.from({ length: 4 }, () => createUser(t, 'customer')));
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps balances, the trial balance and the integrity check exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const model = new Map<string, bigint>();
        for (const c of customers) {
          const b = await ledger.getBalances(c.id);
          for (const cur of ['USD', 'BTC'] as const) {
            model.set(`${c.id}:${cur}:available`, b[cur].available);
            model.set(`${c.id}:${cur}:reserved`, b[cur].reserved);
          }
        }
        const get = (id: string, cur: Currency, bucket: string) => model.get(`${id}:${cur}:${bucket}`)!;
        const add = (id: string, cur: Currency, bucket: string, delta: bigint) => model.set(`${id}:${cur}:${bucket}`, get(id, cur, bucket) + delta);
        const done: PostEntryInput[] = [];

        const attempt = async (entry: PostEntryInput, covered: boolean, apply: () => void) => {
          if (covered) {
            const posted = await ledger.post(entry);
            expect(posted.replayed).toBe(false);
            apply();
            done.push(entry);
          } else {
            await expect(ledger.post(entry)).rejects.toMatchObject({ code: 'LEDGER.INSUFFICIENT_BALANCE' });
          }
        };
        const entry = (type: string, lines: PostEntryInput['lines']): PostEntryInput => ({ type, idempotencyKey: uniqueKey(type), actor: SYSTEM_ACTOR, lines });

        for (const o of ops) {
          switch (o.kind) {
            case 'deposit': {
              const c = customers[o.customer];
              const res = await t.http.post(
                '/v1/deposits',
                { customerId: c.id, currency: o.currency, amount: formatAmount(o.currency, o.amount), externalReference: uniqueKey('REF') },
                { token: finance.token },
              );
              expect(res.status).toBe(201);
              add(c.id, o.currency, 'available', o.amount);
              break;
            }
            case 'debit': {
              const c = customers[o.customer];
              await attempt(
                entry('contract.purchase', [
                  { account: customerAccount(c.id, o.currency), amount: -o.amount },
                  { account: platformAccount('sales_revenue', o.currency), amount: o.amount },
                ]),
                get(c.id, o.currency, 'available') >= o.amount,
                () => add(c.id, o.currency, 'available', -o.amount),
              );
              break;
            }
            case 'transfer': {
              const [from, to] = [customers[o.from], customers[o.to]];
              await attempt(
                entry('transfer', [
                  { account: customerAccount(from.id, o.currency), amount: -o.amount },
                  { account: customerAccount(to.id, o.currency), amount: o.amount },
                ]),
                get(from.id, o.currency, 'available') >= o.amount,
                () => {
                  add(from.id, o.currency, 'available', -o.amount);
                  add(to.id, o.currency, 'available', o.amount);
                },
              );
              break;
            }
            case 'reserve':
            case 'release': {
              const c = customers[o.customer];
              const [src, dst] = o.kind === 'reserve' ? (['available', 'reserved'] as const) : (['reserved', 'available'] as const);
              await attempt(
                entry(`withdrawal.${o.kind}`, [
                  { account: customerAccount(c.id, o.currency, src), amount: -o.amount },
                  { account: customerAccount(c.id, o.currency, dst), amount: o.amount },
                ]),
                get(c.id, o.currency, src) >= o.amount,
                () => {
                  add(c.id, o.currency, src, -o.amount);
                  add(c.id, o.currency, dst, o.amount);
                },
              );
              break;
            }
            case 'replay': {
              if (done.length === 0) break;
              const previous = done[o.pick % done.length];
              expect((await ledger.post(previous)).replayed).toBe(true);
              break;
            }
            case 'conflict': {
              if (done.length === 0) break;
              const previous = done[o.pick % done.length];
              const changed = { ...previous, lines: previous.lines.map((l) => ({ ...l, amount: l.amount * 2n })) };
              await expect(ledger.post(changed)).rejects.toMatchObject({ code: 'LEDGER.IDEMPOTENCY_CONFLICT' });
              break;
            }
          }
        }

        for (const c of customers) {
          const b = await ledger.getBalances(c.id);
          for (const cur of ['USD', 'BTC'] as const) {
            expect([cur, b[cur].available, b[cur].reserved]).toEqual([cur, get(c.id, cur, 'available'), get(c.id, cur, 'reserved')]);
          }
        }
        const trial = await t.http.get('/v1/ledger/trial-balance', { token: finance.token });
        expect(trial.status).toBe(200);
        expect(trial.body.currencies.map((c: any) => [c.currency, c.total, c.balanced])).toEqual([
          ['BTC', '0.00000000', true],
          ['USD', '0.000000', true],
        ]);
        const report = await t.app.get(LedgerIntegrityService).check();
        expect(report.problems).toEqual([]);
      }),
      { numRuns: 12 },
    );
  });
});
