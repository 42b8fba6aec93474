import { getQueueToken } from '@nestjs/bullmq';
import { type ConnectionOptions, type Queue, QueueEvents } from 'bullmq';
import { createHash, randomBytes } from 'node:crypto';
import { FixedClock } from '../../src/common/clock/clock.js';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { redisOptionsFromUrl } from '../../src/common/queue/redis-options.js';
import { clientIp, register } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

describe('refresh tokens', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date('2030-02-01T08:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t.close();
  });

  const maintenanceEvents = () =>
    new QueueEvents(QUEUES.maintenance, { connection: redisOptionsFromUrl(t.config.REDIS_URL) as ConnectionOptions, prefix: t.config.QUEUE_PREFIX });
  const refresh = (refreshToken: string) => t.http.post('/v1/auth/refresh', { refreshToken });
  const familyOf = async (token: string) =>
    (await t.db.query<{ family_id: string }>(`SELECT family_id FROM refresh_tokens WHERE token_hash = $1`, [sha256(token)])).rows[0].family_id;

  it('stores only the SHA-256 of a refresh token', async () => {
    const user = await register(t);
    const { rows } = await t.db.query(`SELECT token_hash FROM refresh_tokens WHERE user_id = $1`, [user.id]);
    expect(rows).toEqual([{ token_hash: sha256(user.refreshToken) }]);
  });

  it('rotates on every use: a new pair in the same family, the old token spent', async () => {
    const user = await register(t);
    const first = await refresh(user.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect((await t.http.get('/v1/me', { token: first.body.accessToken })).body.id).toBe(user.id);

    const second = await refresh(first.body.refreshToken);
    expect(second.status).toBe(200);
    expect(await familyOf(second.body.refreshToken)).toBe(await familyOf(user.refreshToken));

    const { rows } = await t.db.query(
      `SELECT rotated_at IS NOT NULL AS rotated, revoked_at IS NOT NULL AS revoked FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at, rotated_at NULLS LAST`,
      [user.id],
    );
    expect(rows).toEqual([
      { rotated: true, revoked: false },
      { rotated: true, revoked: false },
      { rotated: false, revoked: false },
    ]);
  });

  it('revokes the whole family when a rotated token is presented again, and only that family', async () => {
    const user = await register(t);
    const otherSession = await t.http.post('/v1/auth/login', { email: user.email, password: user.password }, { headers: clientIp() });
    const rotated = await refresh(user.refreshToken);
    expect(rotated.status).toBe(200);

    const reuse = await refresh(user.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('AUTH.REFRESH_TOKEN_REUSED');

    // The legitimate-looking successor is dead too: whoever holds it may be the thief.
    const successor = await refresh(rotated.body.refreshToken);
    expect(successor.status).toBe(401);
    expect(successor.body.code).toBe('AUTH.INVALID_REFRESH_TOKEN');

    const family = await familyOf(user.refreshToken);
    const { rows } = await t.db.query(`SELECT revoked_reason FROM refresh_tokens WHERE family_id = $1`, [family]);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.revoked_reason === 'reuse')).toBe(true);

    // The session from the separate login is another family and still works.
    expect((await refresh(otherSession.body.tokens.refreshToken)).status).toBe(200);
  });

  it('lets exactly one of two concurrent refreshes with the same token win; the other is reuse', async () => {
    const user = await register(t);
    const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    // The race itself is the reuse signal: the family is revoked, the winner's token included.
    expect((await refresh(winner.body.refreshToken)).status).toBe(401);
  });

  it('refuses an unknown or malformed token without revoking anything', async () => {
    const unknown = await refresh(randomBytes(32).toString('base64url'));
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('AUTH.INVALID_REFRESH_TOKEN');
    const malformed = await refresh('not-a-token');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('refreshToken');
  });

  it('refuses an expired token', async () => {
    const user = await register(t);
    clock.advanceMs(31 * 86_400_000);
    try {
      const res = await refresh(user.refreshToken);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('AUTH.INVALID_REFRESH_TOKEN');
    } finally {
      clock.advanceMs(-31 * 86_400_000);
    }
  });

  it('picks up a changed role at the next refresh, and refuses a disabled user', async () => {
    const user = await register(t);
    await t.db.query(`UPDATE users SET role = 'finance' WHERE id = $1`, [user.id]);
    const res = await refresh(user.refreshToken);
    expect((await t.http.get('/v1/me', { token: res.body.accessToken })).body.role).toBe('finance');
    await t.db.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [user.id]);
    expect((await refresh(res.body.refreshToken)).status).toBe(401);
  });

  it('logout revokes the session family; the token cannot be refreshed afterwards', async () => {
    const user = await register(t);
    const rotated = await refresh(user.refreshToken);
    const out = await t.http.post('/v1/auth/logout', { refreshToken: rotated.body.refreshToken });
    expect(out.status).toBe(204);
    const after = await refresh(rotated.body.refreshToken);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('AUTH.INVALID_REFRESH_TOKEN');
    const { rows } = await t.db.query(`SELECT DISTINCT revoked_reason FROM refresh_tokens WHERE user_id = $1`, [user.id]);
    expect(rows).toEqual([{ revoked_reason: 'logout' }]);
  });

  it('a password change signs out every session, locks withdrawals for 48 h and is audited', async () => {
    const user = await register(t);
    const second = await t.http.post('/v1/auth/login', { email: user.email, password: user.password }, { headers: clientIp() });
    const wrong = await t.http.post(
      '/v1/auth/password',
      { currentPassword: 'not my password!!', newPassword: 'a brand new password' },
      { token: user.accessToken },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('AUTH.INVALID_CREDENTIALS');

    const res = await t.http.post('/v1/auth/password', { currentPassword: user.password, newPassword: 'a brand new password' }, { token: user.accessToken });
    expect(res.status).toBe(204);
    expect((await refresh(user.refreshToken)).status).toBe(401);
    expect((await refresh(second.body.tokens.refreshToken)).status).toBe(401);

    const me = await t.http.get('/v1/me', { token: user.accessToken });
    expect(me.body.withdrawalsLockedUntil).toBe(new Date(clock.now().getTime() + 48 * 3_600_000).toISOString());
    expect((await t.http.post('/v1/auth/login', { email: user.email, password: user.password }, { headers: clientIp() })).status).toBe(401);
    expect((await t.http.post('/v1/auth/login', { email: user.email, password: 'a brand new password' }, { headers: clientIp() })).status).toBe(200);
    const audit = await t.db.query(`SELECT actor_id, action FROM audit_log WHERE entity_id = $1 AND action = 'user.password_changed'`, [user.id]);
    expect(audit.rows).toEqual([{ actor_id: user.id, action: 'user.password_changed' }]);
  });

  it('the daily maintenance job deletes expired refresh tokens and keeps live ones', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.maintenance));
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toEqual([
      expect.objectContaining({
        key: 'daily-purge-expired-refresh-tokens',
        pattern: '17 3 * * *',
        tz: 'UTC',
        name: JOBS.maintenance.purgeExpiredRefreshTokens,
      }),
    ]);

    const user = await register(t);
    const now = clock.now().getTime();
    for (let i = 0; i < 3; i++) {
      await t.db.query(`INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at) VALUES ($1, gen_random_uuid(), $2, $3, $4)`, [
        user.id,
        sha256(`expired-${i}`),
        new Date(now - 40 * 86_400_000),
        new Date(now - 10 * 86_400_000 + i),
      ]);
    }
    const live = Number((await t.db.query(`SELECT count(*) FROM refresh_tokens WHERE expires_at >= $1`, [clock.now()])).rows[0].count);

    const events = maintenanceEvents();
    try {
      await events.waitUntilReady();
      const job = await queue.add(JOBS.maintenance.purgeExpiredRefreshTokens, {});
      const result = await job.waitUntilFinished(events, 30_000);
      expect(result).toEqual({ deleted: 3 });
    } finally {
      await events.close();
    }
    expect(Number((await t.db.query(`SELECT count(*) FROM refresh_tokens WHERE expires_at < $1`, [clock.now()])).rows[0].count)).toBe(0);
    expect(Number((await t.db.query(`SELECT count(*) FROM refresh_tokens`)).rows[0].count)).toBe(live);
    expect((await refresh(user.refreshToken)).status).toBe(200);
  });

  it('the job refuses a payload it does not expect', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.maintenance));
    const events = maintenanceEvents();
    try {
      await events.waitUntilReady();
      const job = await queue.add(JOBS.maintenance.purgeExpiredRefreshTokens, { olderThan: 'yesterday' }, { attempts: 1 });
      await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/invalid payload/);
    } finally {
      await events.close();
    }
  });
});
