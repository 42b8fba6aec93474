import type { AuthenticatedUser } from './authenticated-user.js';

/** Verifies a bearer access token; implemented by the auth module, used by the global guard. */
export abstract class AccessTokenVerifier {
  abstract verify(token: string): Promise<AuthenticatedUser>;
}
