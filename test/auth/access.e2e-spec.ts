import { listRouteAccess } from '../../src/common/auth/route-inventory.js';
import { JwtAccessTokenVerifier } from '../../src/modules/auth/jwt-access-token.verifier.js';
import { JwtService } from '@nestjs/jwt';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

/**
 * Routes anyone may call without signing in. A new public route must be added here on
 * purpose, so one cannot become public by accident.
 */
const PUBLIC_ROUTES = [
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/logout',
].sort();

describe('access control', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('deny by default: the route inventory', () => {
    it('finds the routes (the inventory itself works)', () => {
      const routes = listRouteAccess(t.app).map((r) => `${r.method} ${r.path}`);
      expect(routes).toEqual(
        expect.arrayContaining(['GET /me', 'PATCH /me', 'POST /auth/login', 'GET /admin/audit', 'POST /admin/users', 'POST /auth/totp/verify']),
      );
    });

    it('every registered route declares who may call it', () => {
      const undeclared = listRouteAccess(t.app)
        .filter((r) => r.access === undefined)
        .map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`);
      expect(undeclared).toEqual([]);
    });

    it('every role list is non-empty', () => {
      const empty = listRouteAccess(t.app).filter((r) => r.access?.kind === 'roles' && r.access.roles.length === 0);
      expect(empty).toEqual([]);
    });

    it('every /admin route is for admins only', () => {
      const admin = listRouteAccess(t.app).filter((r) => r.path === '/admin' || r.path.startsWith('/admin/'));
      expect(admin.length).toBeGreaterThanOrEqual(2);
      for (const route of admin)
        expect({ route: `${route.method} ${route.path}`, access: route.access }).toEqual({
          route: `${route.method} ${route.path}`,
          access: { kind: 'roles', roles: ['admin'] },
        });
    });

    it('only the known routes are public', () => {
      const publicRoutes = listRouteAccess(t.app)
        .filter((r) => r.access?.kind === 'public')
        .map((r) => `${r.method} ${r.path}`)
        .sort();
      expect(publicRoutes).toEqual(PUBLIC_ROUTES);
    });
  });

  describe('role denial over HTTP', () => {
    it('a customer token on admin routes gets 403 AUTH.FORBIDDEN', async () => {
      const customer = await createUser(t, 'customer');
      const audit = await t.http.get('/v1/admin/audit', { token: customer.token });
      expect(audit.status).toBe(403);
      expect(audit.body).toMatchObject({ statusCode: 403, error: 'Forbidden', code: 'AUTH.FORBIDDEN' });
      expect(audit.body.requestId).toBe(audit.headers.get('x-request-id'));
      const users = await t.http.post(
        '/v1/admin/users',
        { email: 'x@example.test', password: 'correct horse battery staple', role: 'admin' },
        { token: customer.token },
      );
      expect(users.status).toBe(403);
    });

    it('operator and finance staff are refused on admin routes too; an admin is let in', async () => {
      for (const role of ['operator', 'finance'] as const) {
        const staff = await createUser(t, role);
        expect((await t.http.get('/v1/admin/audit', { token: staff.token })).status).toBe(403);
      }
      const admin = await createUser(t, 'admin');
      expect((await t.http.get('/v1/admin/audit', { token: admin.token })).status).toBe(200);
    });

    it('no token, a garbage token, a token signed with another secret: 401', async () => {
      const none = await t.http.get('/v1/me');
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('AUTH.UNAUTHENTICATED');
      const garbage = await t.http.get('/v1/me', { token: 'not.a.jwt' });
      expect(garbage.status).toBe(401);
      expect(garbage.body.code).toBe('AUTH.INVALID_TOKEN');
      const forged = await new JwtService({ secret: 'x'.repeat(40) }).signAsync(
        { sub: '00000000-0000-0000-0000-000000000000', role: 'admin', email: 'a@b.c', typ: 'access' },
        { issuer: 'hashmarket' },
      );
      expect((await t.http.get('/v1/admin/audit', { token: forged })).status).toBe(401);
    });

    it('a refresh token is not an access token', async () => {
      const customer = await createUser(t, 'customer');
      const login = await t.http.post('/v1/auth/login', { email: customer.email, password: customer.password });
      expect(login.status).toBe(200);
      expect((await t.http.get('/v1/me', { token: login.body.tokens.refreshToken })).status).toBe(401);
      expect(
        (await t.http.get('/v1/me', { token: await t.app.get(JwtAccessTokenVerifier).sign({ userId: customer.id, role: 'customer', email: customer.email }) }))
          .status,
      ).toBe(200);
    });
  });
});
