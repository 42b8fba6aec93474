import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { AdminAccountsService } from '../../src/modules/auth/admin-accounts.service.js';
import { AdminBootstrap } from '../../src/modules/auth/admin-bootstrap.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

const run = promisify(execFile);

/** `node dist/src/cli/create-admin.js` (what `npm run create-admin --` runs after building). */
async function createAdminCli(databaseUrl: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/src/cli/create-admin.js', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test', NODE_OPTIONS: '', LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the first admin', () => {
  describe('from the create-admin CLI', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: pg.Pool;
    beforeAll(async () => {
      database = await createTestDatabase();
      db = new pg.Pool({ connectionString: database.url, max: 2 });
    });
    afterAll(async () => {
      await db.end();
      await database.drop();
    });

    it('creates an admin with an argon2id hash and a system audit entry, and is idempotent', async () => {
      const first = await createAdminCli(database.url, ['--email', 'Root@Example.test', '--password', 'a long enough password']);
      expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^admin root@example\.test created \(id [0-9a-f-]{36}\)\n$/) });
      const again = await createAdminCli(database.url, ['--email', 'root@example.test', '--password', 'a long enough password']);
      expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('already exists') });

      const users = await db.query(`SELECT id, email, role, password_hash FROM users`);
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0]).toMatchObject({ email: 'root@example.test', role: 'admin', password_hash: expect.stringMatching(/^\$argon2id\$/) });
      const audit = await db.query(`SELECT actor_id, actor_role, action, entity_id, after FROM audit_log`);
      expect(audit.rows).toEqual([
        {
          actor_id: null,
          actor_role: 'system',
          action: 'user.created',
          entity_id: users.rows[0].id,
          after: { email: 'root@example.test', role: 'admin', source: 'cli' },
        },
      ]);
    });

    it('refuses to promote an existing non-admin, and bad arguments, with exit code 1', async () => {
      await db.query(`INSERT INTO users (email, password_hash, role) VALUES ('customer@example.test', 'x', 'customer')`);
      const promote = await createAdminCli(database.url, ['--email', 'customer@example.test', '--password', 'a long enough password']);
      expect(promote.code).toBe(1);
      expect(promote.stderr).toContain('not promoted');
      expect((await db.query(`SELECT role FROM users WHERE email = 'customer@example.test'`)).rows).toEqual([{ role: 'customer' }]);

      const short = await createAdminCli(database.url, ['--email', 'x@example.test', '--password', 'short']);
      expect(short.code).toBe(1);
      expect(short.stderr).toContain('--password must be 12 to 128 characters');
      const missing = await createAdminCli(database.url, []);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('usage: npm run create-admin');
      expect((await db.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`)).rows[0].n).toBe(1);
    });
  });

  describe('from ADMIN_EMAIL / ADMIN_PASSWORD on first start', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { ADMIN_EMAIL: 'first.admin@example.test', ADMIN_PASSWORD: 'first admin password' } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('creates the admin, who can sign in and read the audit log', async () => {
      const login = await t.http.post('/v1/auth/login', { email: 'first.admin@example.test', password: 'first admin password' });
      expect(login.status).toBe(200);
      expect(login.body.user.role).toBe('admin');
      const audit = await t.http.get('/v1/admin/audit', { token: login.body.tokens.accessToken });
      expect(audit.body.items).toEqual([
        expect.objectContaining({
          actorId: null,
          actorRole: 'system',
          action: 'user.created',
          entityId: login.body.user.id,
          after: { email: 'first.admin@example.test', role: 'admin', source: 'env' },
        }),
      ]);
    });

    it('does nothing once an admin exists (no second admin from a changed env)', async () => {
      const result = await t.app
        .get(AdminAccountsService)
        .ensureAdmin({ email: 'second@example.test', password: 'second admin password', source: 'env' }, { onlyIfNoAdmin: true });
      expect(result).toEqual({ created: false, reason: 'an admin already exists' });
      await t.app.get(AdminBootstrap).onApplicationBootstrap(); // a restart
      expect((await t.db.query(`SELECT email FROM users WHERE role = 'admin'`)).rows).toEqual([{ email: 'first.admin@example.test' }]);
    });

    it('two processes starting at once create one admin', async () => {
      await t.db.query(`DELETE FROM refresh_tokens`);
      await t.db.query(`DELETE FROM users`);
      const accounts = t.app.get(AdminAccountsService);
      const results = await Promise.all(
        ['a', 'b', 'c'].map((n) =>
          accounts.ensureAdmin({ email: `racer-${n}@example.test`, password: 'a long enough password', source: 'env' }, { onlyIfNoAdmin: true }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`)).rows[0].n).toBe(1);
    });
  });
});
