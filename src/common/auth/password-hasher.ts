import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Password hashing with argon2id; verification accepts hashes made with other parameters. */
@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false; // a malformed stored hash never signs anyone in
    }
  }

  /**
   * Spends the same work as a real check, for unknown emails: response time does not tell
   * whether an account exists.
   */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummyHash ??= argon2.hash('no account has this password', OPTIONS);
    await argon2.verify(await this.dummyHash, password).catch(() => false);
    return false;
  }
}
