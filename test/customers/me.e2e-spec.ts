import { register } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

describe('GET/PATCH /v1/me', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the caller and only the caller, without secrets', async () => {
    const alice = await register(t, { displayName: 'Alice' });
    const bob = await register(t, { displayName: 'Bob' });
    const res = await t.http.get('/v1/me', { token: alice.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: alice.id,
      email: alice.email,
      role: 'customer',
      displayName: 'Alice',
      totpEnabled: false,
      withdrawalsLockedUntil: null,
      createdAt: expect.any(String),
    });
    expect((await t.http.get('/v1/me', { token: bob.accessToken })).body.id).toBe(bob.id);
    // There is no way to name another user: query parameters are not accepted as an id.
    expect((await t.http.get(`/v1/me?id=${bob.id}`, { token: alice.accessToken })).body.id).toBe(alice.id);
  });

  it('updates the caller display name only (trimmed), leaving everyone else untouched', async () => {
    const alice = await register(t, { displayName: 'Alice' });
    const bob = await register(t, { displayName: 'Bob' });
    const res = await t.http.patch('/v1/me', { displayName: '  Alice Liddell ' }, { token: alice.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Alice Liddell');
    expect((await t.http.get('/v1/me', { token: alice.accessToken })).body.displayName).toBe('Alice Liddell');
    expect((await t.http.get('/v1/me', { token: bob.accessToken })).body.displayName).toBe('Bob');
  });

  it('works for staff too', async () => {
    const operator = await createUser(t, 'operator');
    const res = await t.http.get('/v1/me', { token: operator.token });
    expect(res.body).toMatchObject({ id: operator.id, role: 'operator' });
  });

  it('answers 404 for a token whose user no longer exists', async () => {
    const ghost = await createUser(t, 'customer');
    await t.db.query(`DELETE FROM users WHERE id = $1`, [ghost.id]);
    const res = await t.http.get('/v1/me', { token: ghost.token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('AUTH.USER_NOT_FOUND');
  });
});
