import { FixedClock } from '../../src/common/clock/clock.js';
import { clientIp, register, uniqueEmail } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('register and login', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date('2030-01-15T10:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { LOGIN_RATE_LIMIT_PER_MINUTE: '3', LOGIN_IP_RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /v1/auth/register', () => {
    it('creates a customer with an argon2id hash, signs them in and audits the creation', async () => {
      const email = uniqueEmail('New.Person');
      const res = await t.http.post(
        '/v1/auth/register',
        { email: `  ${email.toUpperCase()} `, password: 'correct horse battery staple', displayName: 'Ada' },
        { headers: clientIp() },
      );
      expect(res.status).toBe(201);
      expect(res.body.user).toMatchObject({ email: email.toLowerCase(), role: 'customer', displayName: 'Ada', totpEnabled: false });
      expect(res.body.tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      expect(res.body.tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(JSON.stringify(res.body)).not.toContain('password');

      const { rows } = await t.db.query(`SELECT role, password_hash FROM users WHERE id = $1`, [res.body.user.id]);
      expect(rows[0].role).toBe('customer');
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);

      const audit = await t.db.query(`SELECT actor_id, actor_role, action, after, request_id FROM audit_log WHERE entity_type = 'user' AND entity_id = $1`, [
        res.body.user.id,
      ]);
      expect(audit.rows).toEqual([
        {
          actor_id: res.body.user.id,
          actor_role: 'customer',
          action: 'user.registered',
          after: { email: email.toLowerCase(), role: 'customer', displayName: 'Ada' },
          request_id: res.headers.get('x-request-id'),
        },
      ]);

      const me = await t.http.get('/v1/me', { token: res.body.tokens.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(res.body.user.id);
    });

    it('never creates staff: a role in the body is an unknown field', async () => {
      const email = uniqueEmail();
      const res = await t.http.post('/v1/auth/register', { email, password: 'correct horse battery staple', role: 'admin' }, { headers: clientIp() });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('role');
      expect((await t.db.query(`SELECT 1 FROM users WHERE email = $1`, [email])).rowCount).toBe(0);
    });

    it('refuses a taken email whatever its case, with 409', async () => {
      const { email } = await register(t);
      const res = await t.http.post('/v1/auth/register', { email: email.toUpperCase(), password: 'another long password' }, { headers: clientIp() });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('AUTH.EMAIL_TAKEN');
      expect((await t.db.query(`SELECT 1 FROM users WHERE email = $1`, [email])).rowCount).toBe(1);
    });

    it('lets exactly one of two concurrent sign-ups with one email through', async () => {
      const email = uniqueEmail();
      const results = await Promise.all(
        [0, 1, 2].map(() => t.http.post('/v1/auth/register', { email, password: 'correct horse battery staple' }, { headers: clientIp() })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      expect((await t.db.query(`SELECT 1 FROM users WHERE email = $1`, [email])).rowCount).toBe(1);
    });

    it('refuses a short password naming the field', async () => {
      const res = await t.http.post('/v1/auth/register', { email: uniqueEmail(), password: 'short' }, { headers: clientIp() });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION.FAILED');
      expect(res.body.message).toContain('password must be between 12 and 128 characters');
    });
  });

  describe('POST /v1/auth/login', () => {
    it('signs in with the right password, whatever the email case', async () => {
      const { email, password, id } = await register(t);
      const res = await t.http.post('/v1/auth/login', { email: email.toUpperCase(), password }, { headers: clientIp() });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(id);
      const me = await t.http.get('/v1/me', { token: res.body.tokens.accessToken });
      expect(me.body.email).toBe(email);
    });

    it('answers a wrong password and an unknown email the same: 401 AUTH.INVALID_CREDENTIALS', async () => {
      const { email } = await register(t);
      const wrong = await t.http.post('/v1/auth/login', { email, password: 'not the password at all' }, { headers: clientIp() });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ statusCode: 401, code: 'AUTH.INVALID_CREDENTIALS', message: 'Email or password is wrong' });
      const unknown = await t.http.post('/v1/auth/login', { email: uniqueEmail('nobody'), password: 'not the password at all' }, { headers: clientIp() });
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('AUTH.INVALID_CREDENTIALS');
      expect(unknown.body.message).toBe(wrong.body.message);
    });

    it('refuses a disabled account after checking the password', async () => {
      const { email, password, id } = await register(t);
      await t.db.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [id]);
      const res = await t.http.post('/v1/auth/login', { email, password }, { headers: clientIp() });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('AUTH.ACCOUNT_DISABLED');
    });

    it('limits attempts per email (from any address) with 429, Retry-After and a clear message', async () => {
      const { email, password } = await register(t);
      for (let i = 0; i < 3; i++) {
        const res = await t.http.post('/v1/auth/login', { email, password: 'wrong password here' }, { headers: clientIp() });
        expect(res.status).toBe(401);
      }
      // Even the right password from a fresh address is refused now: the account is being guessed at.
      const limited = await t.http.post('/v1/auth/login', { email, password }, { headers: clientIp() });
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('AUTH.RATE_LIMITED');
      expect(limited.body.message).toMatch(/^Too many attempts for this account; try again in \d+ seconds$/);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another account is not affected.
      const other = await register(t);
      expect((await t.http.post('/v1/auth/login', { email: other.email, password: other.password }, { headers: clientIp() })).status).toBe(200);

      // Two windows later the counter has slid away.
      clock.advanceMs(120_000);
      expect((await t.http.post('/v1/auth/login', { email, password }, { headers: clientIp() })).status).toBe(200);
    });

    it('limits attempts per address across emails', async () => {
      const ip = clientIp();
      for (let i = 0; i < 5; i++) {
        const res = await t.http.post('/v1/auth/login', { email: uniqueEmail('guess'), password: 'wrong password here' }, { headers: ip });
        expect(res.status).toBe(401);
      }
      const limited = await t.http.post('/v1/auth/login', { email: uniqueEmail('guess'), password: 'wrong password here' }, { headers: ip });
      expect(limited.status).toBe(429);
      expect(limited.body.message).toMatch(/from this address/);
      // Another address is not affected.
      expect((await t.http.post('/v1/auth/login', { email: uniqueEmail('guess'), password: 'wrong password here' }, { headers: clientIp() })).status).toBe(401);
    });
  });
});
