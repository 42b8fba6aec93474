import { generate } from 'otplib';
import type { FixedClock } from '../../src/common/clock/clock.js';
import type { TestApp } from './test-app.js';

let counter = 0;

/** A unique address per call, so tests in one file never share an email. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

/**
 * A distinct client address per test (the app trusts X-Forwarded-For, as behind a load
 * balancer), so per-IP rate limits of one test do not spill into another.
 */
export function clientIp(): Record<string, string> {
  counter += 1;
  return { 'x-forwarded-for': `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}` };
}

/** Signs up through the API and returns what it answered. */
export async function register(t: TestApp, overrides: { email?: string; password?: string; displayName?: string } = {}) {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'correct horse battery staple';
  const res = await t.http.post(
    '/v1/auth/register',
    { email, password, ...(overrides.displayName ? { displayName: overrides.displayName } : {}) },
    { headers: clientIp() },
  );
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return {
    email,
    password,
    id: res.body.user.id as string,
    accessToken: res.body.tokens.accessToken as string,
    refreshToken: res.body.tokens.refreshToken as string,
  };
}

/** The TOTP code an authenticator app would show at the clock's time, `offsetSteps` steps away. */
export function totpCode(secret: string, clock: FixedClock, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + offsetSteps * 30 });
}

export async function countRows(t: TestApp, table: 'users' | 'audit_log' | 'refresh_tokens'): Promise<number> {
  const { rows } = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0].n);
}
