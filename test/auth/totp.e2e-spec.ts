import { DataSource } from 'typeorm';
import { FixedClock } from '../../src/common/clock/clock.js';
import { TotpService } from '../../src/modules/auth/totp.service.js';
import { clientIp, register, totpCode } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('TOTP', () => {
  let t: TestApp;
  // 5 s into a 30 s step, so "the next step" is unambiguous
  const clock = new FixedClock(new Date('2030-03-01T12:00:05Z'));

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t.close();
  });

  const enroll = async (token: string) => {
    const res = await t.http.post('/v1/auth/totp/enroll', {}, { token });
    expect(res.status).toBe(200);
    return res.body as { secret: string; otpauthUri: string };
  };
  const verify = (token: string, code: string) => t.http.post('/v1/auth/totp/verify', { code }, { token });

  it('enrols: a base32 secret and its otpauth URI; the secret is stored encrypted and is not yet required', async () => {
    const user = await register(t);
    const { secret, otpauthUri } = await enroll(user.accessToken);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Hashmarket');
    expect(decodeURIComponent(uri.pathname)).toContain(user.email);

    const { rows } = await t.db.query(`SELECT totp_secret_enc, totp_enabled_at FROM users WHERE id = $1`, [user.id]);
    expect(rows[0].totp_secret_enc).toMatch(/^v1\./);
    expect(rows[0].totp_secret_enc).not.toContain(secret);
    expect(rows[0].totp_enabled_at).toBeNull();
    // Not enabled yet: login needs no code.
    expect((await t.http.post('/v1/auth/login', { email: user.email, password: user.password }, { headers: clientIp() })).status).toBe(200);
  });

  it('refuses a wrong code, enables on the first right one, and refuses the same code twice', async () => {
    const user = await register(t);
    const { secret } = await enroll(user.accessToken);
    const right = await totpCode(secret, clock);
    const wrong = right === '000000' ? '111111' : '000000';

    const refused = await verify(user.accessToken, wrong);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('AUTH.TOTP_INVALID');
    expect((await t.http.get('/v1/me', { token: user.accessToken })).body.totpEnabled).toBe(false);

    const ok = await verify(user.accessToken, right);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      enabled: true,
      enabledAt: clock.now().toISOString(),
      withdrawalsLockedUntil: new Date(clock.now().getTime() + 48 * 3_600_000).toISOString(),
    });

    const replay = await verify(user.accessToken, right);
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe('AUTH.TOTP_REPLAYED');

    // The previous step's code is inside the window but older than the one used: refused too.
    expect((await verify(user.accessToken, await totpCode(secret, clock, -1))).body.code).toBe('AUTH.TOTP_REPLAYED');
    // A code from two steps away is simply wrong.
    expect((await verify(user.accessToken, await totpCode(secret, clock, -2))).body.code).toBe('AUTH.TOTP_INVALID');

    // Half a minute later the next code works once.
    clock.advanceMs(30_000);
    const next = await totpCode(secret, clock);
    expect((await verify(user.accessToken, next)).status).toBe(200);
    expect((await verify(user.accessToken, next)).body.code).toBe('AUTH.TOTP_REPLAYED');

    const audit = await t.db.query(`SELECT actor_id, after FROM audit_log WHERE entity_id = $1 AND action = 'user.totp_enabled'`, [user.id]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].after.totpEnabled).toBe(true);
  });

  it('accepts one code once even when it is sent twice at the same moment', async () => {
    const user = await register(t);
    const { secret } = await enroll(user.accessToken);
    const code = await totpCode(secret, clock);
    const results = await Promise.all([verify(user.accessToken, code), verify(user.accessToken, code), verify(user.accessToken, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 403, 403]);
    expect(results.filter((r) => r.status === 403).map((r) => r.body.code)).toEqual(['AUTH.TOTP_REPLAYED', 'AUTH.TOTP_REPLAYED']);
  });

  it('once enabled: enrolment again is refused and login requires a fresh code', async () => {
    const user = await register(t);
    const { secret } = await enroll(user.accessToken);
    expect((await verify(user.accessToken, await totpCode(secret, clock))).status).toBe(200);

    const again = await t.http.post('/v1/auth/totp/enroll', {}, { token: user.accessToken });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('AUTH.TOTP_ALREADY_ENABLED');

    const creds = { email: user.email, password: user.password };
    const noCode = await t.http.post('/v1/auth/login', creds, { headers: clientIp() });
    expect(noCode.status).toBe(401);
    expect(noCode.body.code).toBe('AUTH.TOTP_REQUIRED');
    // The code that enabled TOTP is spent.
    const spent = await t.http.post('/v1/auth/login', { ...creds, totpCode: await totpCode(secret, clock) }, { headers: clientIp() });
    expect(spent.body.code).toBe('AUTH.TOTP_REPLAYED');
    const fresh = await t.http.post('/v1/auth/login', { ...creds, totpCode: await totpCode(secret, clock, 1) }, { headers: clientIp() });
    expect(fresh.status).toBe(200);
    expect(fresh.body.user.totpEnabled).toBe(true);
  });

  it('locks the factor for 15 minutes after 5 failed codes, also for the right code', async () => {
    const user = await register(t);
    const { secret } = await enroll(user.accessToken);
    expect((await verify(user.accessToken, await totpCode(secret, clock))).status).toBe(200);
    clock.advanceMs(30_000);
    const right = await totpCode(secret, clock);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect((await verify(user.accessToken, wrong)).body.code).toBe('AUTH.TOTP_INVALID');

    const locked = await verify(user.accessToken, right);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('AUTH.TOTP_LOCKED');
    expect(locked.headers.get('retry-after')).toBe('900');
    // The lock holds at login too.
    const login = await t.http.post('/v1/auth/login', { email: user.email, password: user.password, totpCode: right }, { headers: clientIp() });
    expect(login.body.code).toBe('AUTH.TOTP_LOCKED');

    clock.advanceMs(15 * 60_000);
    expect((await verify(user.accessToken, await totpCode(secret, clock))).status).toBe(200);
    const { rows } = await t.db.query(`SELECT totp_failed_attempts FROM users WHERE id = $1`, [user.id]);
    expect(rows[0].totp_failed_attempts).toBe(0);
  });

  it('counts a failure even when the caller rolls its transaction back', async () => {
    const user = await register(t);
    const { secret } = await enroll(user.accessToken);
    expect((await verify(user.accessToken, await totpCode(secret, clock))).status).toBe(200);
    const right = await totpCode(secret, clock, 1);
    const wrong = right === '000000' ? '111111' : '000000';
    const dataSource = t.app.get(DataSource);
    // Another module's transaction (as a withdrawal would run it) fails on the code and rolls back.
    await expect(dataSource.transaction((manager) => t.app.get(TotpService).verifyTotp(user.id, wrong, manager))).rejects.toMatchObject({
      code: 'AUTH.TOTP_INVALID',
    });
    const { rows } = await t.db.query(`SELECT totp_failed_attempts FROM users WHERE id = $1`, [user.id]);
    expect(rows[0].totp_failed_attempts).toBe(1);
  });

  it('verifyTotp refuses users without TOTP, and consumes the step only when the caller commits', async () => {
    const totp = t.app.get(TotpService);
    const plain = await register(t);
    await expect(totp.verifyTotp(plain.id, '123456')).rejects.toMatchObject({ code: 'AUTH.TOTP_NOT_ENABLED' });

    const user = await register(t);
    const { secret } = await enroll(user.accessToken);
    // Pending enrolment is not enough for step-up checks.
    await expect(totp.verifyTotp(user.id, await totpCode(secret, clock))).rejects.toMatchObject({ code: 'AUTH.TOTP_NOT_ENABLED' });
    expect((await verify(user.accessToken, await totpCode(secret, clock))).status).toBe(200);

    const dataSource = t.app.get(DataSource);
    const code = await totpCode(secret, clock, 1);
    await expect(
      dataSource.transaction(async (manager) => {
        await totp.verifyTotp(user.id, code, manager);
        throw new Error('the withdrawal failed');
      }),
    ).rejects.toThrow('the withdrawal failed');
    // Rolled back with the caller: the code was not consumed and still works once.
    await expect(totp.verifyTotp(user.id, code)).resolves.toBeUndefined();
    await expect(totp.verifyTotp(user.id, code)).rejects.toMatchObject({ code: 'AUTH.TOTP_REPLAYED' });
  });
});
