import { generate } from 'otplib';
import { FixedClock } from '../../src/common/clock/clock.js';
import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerIntegrityService } from '../../src/modules/ledger/ledger-integrity.service.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import type { TestApp } from './test-app.js';
import { createUser, type TestUser } from './users.js';

export const HOUR_MS = 3_600_000;

/** Valid addresses of the default network (mainnet), from the BIP-173/350 vectors and base58 encodings. */
export const MAINNET_ADDRESSES = {
  p2wpkh: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
  p2tr: 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
  p2pkh: '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH',
  p2sh: '3CNHUhP3uyB9EUtRLsmvFUmvGdjGdkTxJw',
};
export const TESTNET_ADDRESS = 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7';

export function testClock(): FixedClock {
  return new FixedClock(new Date('2030-01-10T00:00:10Z'));
}

let ipCounter = 0;
/** A distinct client address (the app trusts X-Forwarded-For), so per-IP limits stay per test. */
export function ipHeader(): Record<string, string> {
  ipCounter += 1;
  return { 'x-forwarded-for': `10.77.${(ipCounter >> 8) & 255}.${ipCounter & 255}` };
}

export interface TotpCustomer extends TestUser {
  secret: string;
  /** Moves the clock to the next 30-second step and returns that step's code (each code is accepted once). */
  nextCode: () => Promise<string>;
  headers: Record<string, string>;
}

/** The code an authenticator app shows at the clock's current time. */
export function codeAt(secret: string, clock: FixedClock): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
}

/** A user (customer by default) with TOTP enrolled and enabled through the API. */
export async function userWithTotp(t: TestApp, clock: FixedClock, role: TestUser['role'] = 'customer'): Promise<TotpCustomer> {
  const user = await createUser(t, role);
  const enrol = await t.http.post('/v1/auth/totp/enroll', {}, { token: user.token });
  if (enrol.status !== 200) throw new Error(`enrol failed: ${enrol.status} ${enrol.text}`);
  const secret = enrol.body.secret as string;
  const nextCode = async () => {
    clock.advanceMs(30_000);
    return codeAt(secret, clock);
  };
  const verified = await t.http.post('/v1/auth/totp/verify', { code: await nextCode() }, { token: user.token });
  if (verified.status !== 200) throw new Error(`verify failed: ${verified.status} ${verified.text}`);
  return { ...user, secret, nextCode, headers: ipHeader() };
}

/** Whitelists an address through the API and returns its id. */
export async function addAddress(t: TestApp, customer: TotpCustomer, address: string): Promise<string> {
  const res = await t.http.post(
    '/v1/me/payout-addresses',
    { address, totpCode: await customer.nextCode() },
    { token: customer.token, headers: customer.headers },
  );
  if (res.status !== 201) throw new Error(`add address failed: ${res.status} ${res.text}`);
  return res.body.id as string;
}

/** Moves past every lock a fresh account has (TOTP enabled just now, address just added). */
export function passLocks(clock: FixedClock): void {
  clock.advanceMs(49 * HOUR_MS);
}

let keyCounter = 0;
export function idempotencyKey(): string {
  keyCounter += 1;
  return `key-${process.pid}-${keyCounter}-${Math.random().toString(36).slice(2, 10)}`;
}

export async function outboxRows(t: TestApp, topic: string): Promise<{ topic: string; payload: Record<string, any> }[]> {
  const { rows } = await t.db.query(`SELECT topic, payload FROM outbox WHERE topic = $1 ORDER BY id`, [topic]);
  return rows;
}

export async function auditActions(t: TestApp, entityId: string): Promise<string[]> {
  const { rows } = await t.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [entityId]);
  return rows.map((r) => r.action);
}

/** Credits a customer's available BTC as if a day's mining output was settled to them. */
export async function fundBtc(t: TestApp, customerId: string, sats: bigint): Promise<void> {
  await t.app.get(LedgerService).transfer({
    type: 'test.funding',
    idempotencyKey: `test-funding-${customerId}-${idempotencyKey()}`,
    actor: SYSTEM_ACTOR,
    from: platformAccount('pool_receivable', 'BTC'),
    to: customerAccount(customerId, 'BTC'),
    amount: sats,
  });
}

export async function btcBalances(t: TestApp, customerId: string): Promise<{ available: bigint; reserved: bigint }> {
  const balances = await t.app.get(LedgerService).getBalances(customerId);
  return { available: balances.BTC.available, reserved: balances.BTC.reserved };
}

export async function platformBtc(t: TestApp, account: 'withdrawals_in_flight' | 'platform_wallet' | 'network_fees'): Promise<bigint> {
  return t.app.get(LedgerService).getPlatformBalance(account, 'BTC');
}

/**
 * The ledger's own integrity check: every entry's postings sum to zero per currency, every
 * balance equals the sum of its postings, and all balances of a currency sum to zero.
 */
export async function assertLedgerBalanced(t: TestApp): Promise<void> {
  const report = await t.app.get(LedgerIntegrityService).check();
  if (!report.ok) throw new Error(`ledger integrity: ${report.problems.join('; ')}`);
}

/** A customer past every lock, with one usable whitelisted address and `fundSats` available. */
export async function readyCustomer(
  t: TestApp,
  clock: FixedClock,
  fundSats: bigint,
  address = MAINNET_ADDRESSES.p2wpkh,
): Promise<TotpCustomer & { addressId: string }> {
  const customer = await userWithTotp(t, clock);
  const addressId = await addAddress(t, customer, address);
  passLocks(clock);
  if (fundSats > 0n) await fundBtc(t, customer.id, fundSats);
  return { ...customer, addressId };
}

/** POST /v1/me/withdrawals with a fresh TOTP code and a new Idempotency-Key (unless given). */
export async function requestWithdrawal(
  t: TestApp,
  customer: TotpCustomer & { addressId: string },
  amount: string,
  options: { key?: string; totpCode?: string; body?: Record<string, unknown> } = {},
) {
  return t.http.post(
    '/v1/me/withdrawals',
    { addressId: customer.addressId, amount, totpCode: options.totpCode ?? (await customer.nextCode()), ...options.body },
    { token: customer.token, headers: { ...customer.headers, 'idempotency-key': options.key ?? idempotencyKey() } },
  );
}
