import { FixedClock } from '../../src/common/clock/clock.js';
import { uniqueEmail } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

describe('audit log', () => {
  let t: TestApp;
  let admin: TestUser;
  const clock = new FixedClock(new Date('2030-04-01T09:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({ clock });
    admin = await createUser(t, 'admin');
  });
  afterAll(async () => {
    await t.close();
  });

  const createStaff = async (role: 'operator' | 'finance' | 'admin', by: TestUser = admin) => {
    const res = await t.http.post(
      '/v1/admin/users',
      { email: uniqueEmail(role), password: 'correct horse battery staple', role, displayName: `A ${role}` },
      { token: by.token },
    );
    expect(res.status).toBe(201);
    return res;
  };

  describe('append-only in the database', () => {
    beforeAll(async () => {
      await createStaff('operator');
    });

    it.each([
      ['UPDATE', `UPDATE audit_log SET action = 'rewritten'`],
      ['DELETE', `DELETE FROM audit_log`],
      ['TRUNCATE', `TRUNCATE audit_log`],
    ])('refuses %s through raw SQL', async (op, sql) => {
      const before = (await t.db.query(`SELECT id, action FROM audit_log ORDER BY id`)).rows;
      expect(before.length).toBeGreaterThan(0);
      await expect(t.db.query(sql)).rejects.toThrow(`audit_log is append-only: ${op} refused`);
      expect((await t.db.query(`SELECT id, action FROM audit_log ORDER BY id`)).rows).toEqual(before);
    });
  });

  describe('staff user creation', () => {
    it('creates the user with the requested role and records who did it, before/after, in the same transaction', async () => {
      const res = await createStaff('finance');
      expect(res.body).toMatchObject({ role: 'finance', displayName: 'A finance', totpEnabled: false });
      const login = await t.http.post(
        '/v1/auth/login',
        { email: res.body.email, password: 'correct horse battery staple' },
        { headers: { 'x-forwarded-for': '10.200.0.1' } },
      );
      expect(login.status).toBe(200);
      expect(login.body.user.role).toBe('finance');

      const entries = await t.http.get(`/v1/admin/audit?entityType=user&entityId=${res.body.id}`, { token: admin.token });
      expect(entries.status).toBe(200);
      expect(entries.body.items).toEqual([
        {
          id: expect.stringMatching(/^\d+$/),
          occurredAt: expect.any(String),
          actorId: admin.id,
          actorRole: 'admin',
          action: 'user.created',
          entityType: 'user',
          entityId: res.body.id,
          before: null,
          after: { email: res.body.email, role: 'finance', displayName: 'A finance' },
          requestId: res.headers.get('x-request-id'),
        },
      ]);
      expect(JSON.stringify(entries.body)).not.toMatch(/argon2|password/i);
      expect(entries.body.nextCursor).toBeNull();
    });

    it('writes neither user nor audit entry when the email is taken', async () => {
      const first = await createStaff('operator');
      const count = async () => Number((await t.db.query(`SELECT count(*) FROM audit_log`)).rows[0].count);
      const before = await count();
      const dup = await t.http.post(
        '/v1/admin/users',
        { email: first.body.email, password: 'correct horse battery staple', role: 'admin' },
        { token: admin.token },
      );
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('AUTH.EMAIL_TAKEN');
      expect(await count()).toBe(before);
      expect((await t.db.query(`SELECT role FROM users WHERE email = $1`, [first.body.email])).rows).toEqual([{ role: 'operator' }]);
    });
  });

  describe('GET /v1/admin/audit', () => {
    let otherAdmin: TestUser;
    const created: string[] = [];
    let windowStart: Date;
    let windowEnd: Date;

    beforeAll(async () => {
      otherAdmin = await createUser(t, 'admin');
      // Five creations by one admin, a minute apart, then two by another.
      // occurred_at is the database's time (the same host clock as Date here), not the app clock.
      windowStart = new Date();
      for (let i = 0; i < 5; i++) created.push((await createStaff(i % 2 === 0 ? 'operator' : 'finance', otherAdmin)).body.id);
      windowEnd = new Date(Date.now() + 1);
      for (let i = 0; i < 2; i++) await createStaff('operator');
    });

    it('filters by actor, newest first', async () => {
      const res = await t.http.get(`/v1/admin/audit?actorId=${otherAdmin.id}`, { token: admin.token });
      expect(res.body.items.map((e: any) => e.entityId)).toEqual([...created].reverse());
      expect(res.body.items.every((e: any) => e.actorId === otherAdmin.id)).toBe(true);
    });

    it('filters by action and entity', async () => {
      const res = await t.http.get(`/v1/admin/audit?action=user.created&entityType=user&entityId=${created[2]}`, { token: admin.token });
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0]).toMatchObject({ entityId: created[2], actorId: otherAdmin.id });
      const none = await t.http.get(`/v1/admin/audit?action=user.deleted`, { token: admin.token });
      expect(none.body).toEqual({ items: [], nextCursor: null });
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const res = await t.http.get(`/v1/admin/audit?from=${windowStart.toISOString()}&to=${windowEnd.toISOString()}`, { token: admin.token });
      expect(res.body.items.map((e: any) => e.entityId)).toEqual([...created].reverse());
      const future = await t.http.get(`/v1/admin/audit?from=${new Date(Date.now() + 3_600_000).toISOString()}`, { token: admin.token });
      expect(future.body.items).toEqual([]);
    });

    it('pages with a cursor: no entry repeated or skipped, even while new entries arrive', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `actorId=${otherAdmin.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.http.get(`/v1/admin/audit?${query}`, { token: admin.token });
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((e: any) => e.entityId));
        cursor = res.body.nextCursor;
        pages += 1;
        if (pages === 1) await createStaff('operator', otherAdmin); // a newer entry does not shift later pages
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...created].reverse());
    });
  });
});
