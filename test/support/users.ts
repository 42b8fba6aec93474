import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Role } from '../../src/common/auth/roles.js';
import { JwtAccessTokenVerifier } from '../../src/modules/auth/jwt-access-token.verifier.js';
import type { TestApp } from './test-app.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  token: string;
}

let cachedHash: { password: string; hash: string } | undefined;

/**
 * Arranges a user directly in the database (any role) and signs an access token for it,
 * for tests whose subject is not sign-up itself. One argon2 hash is reused to keep it fast.
 */
export async function createUser(t: TestApp, role: Role, overrides: { email?: string } = {}): Promise<TestUser> {
  cachedHash ??= { password: 'correct horse battery staple', hash: await argon2.hash('correct horse battery staple', { type: argon2.argon2id }) };
  const email = overrides.email ?? `${role}-${randomBytes(5).toString('hex')}@example.test`;
  const { rows } = await t.db.query<{ id: string }>(`INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3) RETURNING id`, [
    email,
    cachedHash.hash,
    role,
  ]);
  const id = rows[0].id;
  const token = await t.app.get(JwtAccessTokenVerifier).sign({ userId: id, role, email });
  return { id, email, password: cachedHash.password, role, token };
}
