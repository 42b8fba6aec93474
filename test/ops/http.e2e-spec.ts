import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { listRouteAccess } from '../../src/common/auth/route-inventory.js';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

const UNPREFIXED = ['/health/live', '/health/ready', '/metrics'];

describe('HTTP conventions and ops endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    // api role: nothing consumes the queues, so their depths stay as the test leaves them.
    t = await startTestApp({ role: 'api' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('headers', () => {
    it('sends security headers', async () => {
      const res = await t.http.get('/health/live');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
    });

    it('gives every response a request id, also in error bodies', async () => {
      const res = await t.http.get('/v1/no-such-route');
      expect(res.status).toBe(404);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.requestId).toBe(id);
    });

    it('keeps a caller-supplied request id only when it is well formed', async () => {
      expect((await t.http.get('/health/live', { headers: { 'x-request-id': 'lb-7f3a.42' } })).headers.get('x-request-id')).toBe('lb-7f3a.42');
      const odd = await t.http.get('/health/live', { headers: { 'x-request-id': 'has spaces and <tags>' } });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('allows no cross-origin browser calls unless CORS_ORIGINS says so', async () => {
      const res = await t.http.request('OPTIONS', '/v1/auth/login', undefined, {
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('CORS_ORIGINS', () => {
    let cors: TestApp;
    beforeAll(async () => {
      cors = await startTestApp({ role: 'api', env: { CORS_ORIGINS: 'https://app.hashmarket.test, https://admin.hashmarket.test' } });
    });
    afterAll(async () => {
      await cors.close();
    });

    it('answers the preflight of a listed origin', async () => {
      const res = await cors.http.request('OPTIONS', '/v1/auth/login', undefined, {
        headers: { origin: 'https://admin.hashmarket.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.hashmarket.test');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    });

    it('marks simple responses for a listed origin and not for others', async () => {
      const listed = await cors.http.get('/health/live', { headers: { origin: 'https://app.hashmarket.test' } });
      expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.hashmarket.test');
      const other = await cors.http.get('/health/live', { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('OpenAPI', () => {
    it('serves the Swagger UI at /docs', async () => {
      const res = await t.http.get('/docs');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).toContain('swagger-ui');
    });

    it('lists every registered route in /docs-json, generated from the code', async () => {
      const res = await t.http.get('/docs-json');
      expect(res.status).toBe(200);
      const documented = new Set<string>();
      for (const [path, item] of Object.entries(res.body.paths as Record<string, Record<string, unknown>>)) {
        for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
      }
      const routes = listRouteAccess(t.app).map((r) => {
        const path = UNPREFIXED.includes(r.path) ? r.path : `/v1${r.path}`;
        return `${r.method} ${path.replace(/:(\w+)/g, '{$1}')}`;
      });
      expect(routes.length).toBeGreaterThan(10);
      expect(routes.filter((route) => !documented.has(route))).toEqual([]);
      expect(res.body.components.securitySchemes).toHaveProperty('bearer');
    });
  });

  describe('/metrics', () => {
    it('has the HTTP latency histogram labelled by route template, not by raw URL', async () => {
      await t.http.get('/health/live');
      await t.http.get('/v1/unknown-42');
      const res = await t.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(res.text).toMatch(/^http_request_duration_seconds_bucket\{.*route="\/health\/live".*status_code="200".*\} [1-9]/m);
      expect(res.text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} [1-9]/m);
      expect(res.text).not.toContain('unknown-42');
    });

    it('has queue depths per queue and state', async () => {
      const maintenance = t.app.get<Queue>(getQueueToken(QUEUES.maintenance), { strict: false });
      await maintenance.add(JOBS.maintenance.purgeExpiredRefreshTokens, {}, { delay: 3_600_000 });
      await maintenance.add(JOBS.maintenance.purgeExpiredRefreshTokens, {});
      const res = await t.http.get('/metrics');
      expect(res.text).toMatch(/^queue_jobs\{queue="maintenance",state="delayed"\} 1$/m);
      expect(res.text).toMatch(/^queue_jobs\{queue="maintenance",state="waiting"\} 1$/m);
      expect(res.text).toMatch(/^queue_jobs\{queue="maintenance",state="failed"\} 0$/m);
    });

    it('has process and Node runtime metrics', async () => {
      const res = await t.http.get('/metrics');
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
        expect(res.text).toMatch(new RegExp(`^${name} `, 'm'));
      }
    });
  });

  describe('Bull Board at /queues', () => {
    it('refuses anyone not signed in', async () => {
      const res = await t.http.get('/queues');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('AUTH.UNAUTHENTICATED');
      expect((await t.http.get('/queues/api/queues')).status).toBe(401);
      expect((await t.http.get('/queues', { token: 'not-a-jwt' })).status).toBe(401);
    });

    it('refuses a customer and every staff role but admin', async () => {
      for (const role of ['customer', 'operator', 'finance'] as const) {
        const user = await createUser(t, role);
        const res = await t.http.get('/queues', { token: user.token });
        expect({ role, status: res.status, code: res.body.code }).toEqual({ role, status: 403, code: 'AUTH.FORBIDDEN' });
      }
      const customer = await createUser(t, 'customer');
      expect((await t.http.get('/queues/api/queues', { headers: { cookie: `hm_access_token=${customer.token}` } })).status).toBe(403);
    });

    it('serves the board to an admin, by bearer token or by the hm_access_token cookie', async () => {
      const admin = await createUser(t, 'admin');
      const page = await t.http.get('/queues', { token: admin.token });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).toMatch(/<html/i);

      const api = await t.http.get('/queues/api/queues', { headers: { cookie: `theme=dark; hm_access_token=${admin.token}` } });
      expect(api.status).toBe(200);
      expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(Object.values(QUEUES)));
    });
  });
});
