import { clientIp, countRows, register, uniqueEmail } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

/** Bad input is a 400 naming the field, and nothing is written. */
describe('request validation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const snapshot = async () => ({ users: await countRows(t, 'users'), audit: await countRows(t, 'audit_log'), tokens: await countRows(t, 'refresh_tokens') });

  const badRegistrations: [string, Record<string, unknown> | string, RegExp][] = [
    ['an unknown field', { email: uniqueEmail(), password: 'correct horse battery staple', isAdmin: true }, /property isAdmin should not exist/],
    ['a wrong type', { email: 12345, password: 'correct horse battery staple' }, /^email /],
    ['a wrong type (array)', { email: uniqueEmail(), password: ['correct horse battery staple'] }, /password must be a string/],
    [
      'an oversize string',
      { email: uniqueEmail(), password: 'correct horse battery staple', displayName: 'x'.repeat(101) },
      /displayName must be between 1 and 100 characters/,
    ],
    ['an oversize password', { email: uniqueEmail(), password: 'p'.repeat(129) }, /password must be between 12 and 128 characters/],
    [
      'an oversize email',
      { email: `${'a'.repeat(250)}@example.test`, password: 'correct horse battery staple' },
      /email must be shorter than or equal to 254 characters/,
    ],
    ['a missing field', { email: uniqueEmail() }, /password must be a string/],
    [
      'a control character',
      { email: uniqueEmail(), password: 'correct horse battery staple', displayName: 'a\u0000b' },
      /displayName must not contain control characters/,
    ],
    ['malformed JSON', '{"email": "a@example.test", "password": ', /Body is not valid JSON/],
    ['a JSON array instead of an object', '[]', /email must be a string/],
    ['JSON null', 'null', /password must be a string/],
  ];

  it.each(badRegistrations)('register with %s: 400 naming the problem, nothing written', async (_case, body, message) => {
    const before = await snapshot();
    const res =
      typeof body === 'string'
        ? await t.http.request('POST', '/v1/auth/register', undefined, { rawBody: body, headers: clientIp() })
        : await t.http.post('/v1/auth/register', body, { headers: clientIp() });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.code).toBe('VALIDATION.FAILED');
    expect(res.body.message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });

  it('admin user creation names a bad role and writes nothing', async () => {
    const admin = await createUser(t, 'admin');
    const before = await snapshot();
    const res = await t.http.post(
      '/v1/admin/users',
      { email: uniqueEmail(), password: 'correct horse battery staple', role: 'customer' },
      { token: admin.token },
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('role must be one of operator, finance, admin');
    expect(await snapshot()).toEqual(before);
  });

  it('PATCH /v1/me: oversize, wrong type and unknown fields are refused and the profile is unchanged', async () => {
    const user = await register(t, { displayName: 'Original' });
    for (const [body, field] of [
      [{ displayName: 'y'.repeat(1000) }, 'displayName'],
      [{ displayName: 42 }, 'displayName'],
      [{ displayName: 'New', email: 'evil@example.test' }, 'email'],
      [{ displayName: 'New', role: 'admin' }, 'role'],
    ] as const) {
      const res = await t.http.patch('/v1/me', body, { token: user.accessToken });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
    }
    const malformed = await t.http.request('PATCH', '/v1/me', undefined, { token: user.accessToken, rawBody: '{"displayName": "x"' });
    expect(malformed.status).toBe(400);
    const { rows } = await t.db.query(`SELECT email, role, display_name FROM users WHERE id = $1`, [user.id]);
    expect(rows[0]).toEqual({ email: user.email, role: 'customer', display_name: 'Original' });
  });

  it('TOTP verify names a malformed code', async () => {
    const user = await register(t);
    const res = await t.http.post('/v1/auth/totp/verify', { code: '12ab56' }, { token: user.accessToken });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('code must be 6 digits');
  });

  it('audit filters name the bad parameter', async () => {
    const admin = await createUser(t, 'admin');
    const cases: [string, string][] = [
      ['actorId=not-a-uuid', 'actorId must be a UUID'],
      ['from=yesterday', 'from must be an ISO 8601 date-time'],
      ['limit=0', 'limit must not be less than 1'],
      ['limit=abc', 'limit must be an integer'],
      ['cursor=%21%21', 'cursor is not a valid cursor'],
      [`cursor=${Buffer.from(JSON.stringify(['abc'])).toString('base64url')}`, 'cursor is not a valid cursor'],
      [`cursor=${Buffer.from(JSON.stringify([1.5])).toString('base64url')}`, 'cursor is not a valid cursor'],
      ['from=12345', 'from must be an ISO 8601 date-time'],
      ['entityType=User%20Table', 'entityType must be a lower-case identifier'],
      ['from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 'to must be after from'],
      ['sort=id', 'property sort should not exist'],
    ];
    for (const [query, message] of cases) {
      const res = await t.http.get(`/v1/admin/audit?${query}`, { token: admin.token });
      expect({ query, status: res.status, message: res.body.message }).toEqual({ query, status: 400, message: expect.stringContaining(message) });
    }
  });
});
