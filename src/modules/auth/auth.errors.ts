import { DomainError } from '../../common/errors/domain-error.js';

/** Stable codes of the auth module; clients and tests match on the code, never the message. */
export const AuthErrors = {
  invalidCredentials: () => new DomainError('AUTH.INVALID_CREDENTIALS', 'unauthorized', 'Email or password is wrong'),
  accountDisabled: () => new DomainError('AUTH.ACCOUNT_DISABLED', 'forbidden', 'This account is disabled'),
  emailTaken: () => new DomainError('AUTH.EMAIL_TAKEN', 'conflict', 'An account with this email already exists', { field: 'email' }),
  invalidRefreshToken: () => new DomainError('AUTH.INVALID_REFRESH_TOKEN', 'unauthorized', 'The refresh token is invalid, expired or revoked'),
  refreshTokenReused: () =>
    new DomainError(
      'AUTH.REFRESH_TOKEN_REUSED',
      'unauthorized',
      'This refresh token was already used; every session descending from it has been revoked, sign in again',
    ),
  totpRequired: () =>
    new DomainError('AUTH.TOTP_REQUIRED', 'unauthorized', 'totpCode is required: this account has two-factor authentication enabled', { field: 'totpCode' }),
  totpInvalid: () => new DomainError('AUTH.TOTP_INVALID', 'forbidden', 'The authenticator code is wrong or expired', { field: 'totpCode' }),
  totpReplayed: () =>
    new DomainError('AUTH.TOTP_REPLAYED', 'forbidden', 'This authenticator code was already used; wait for the next one', { field: 'totpCode' }),
  totpLocked: (retryAfterSeconds: number) =>
    new DomainError('AUTH.TOTP_LOCKED', 'too_many_requests', `Too many wrong authenticator codes; try again in ${retryAfterSeconds} seconds`, {
      retryAfterSeconds,
    }),
  totpNotEnrolled: () => new DomainError('AUTH.TOTP_NOT_ENROLLED', 'conflict', 'Start enrolment with POST /v1/auth/totp/enroll first'),
  totpNotEnabled: () => new DomainError('AUTH.TOTP_NOT_ENABLED', 'forbidden', 'Two-factor authentication must be enabled for this action'),
  totpAlreadyEnabled: () => new DomainError('AUTH.TOTP_ALREADY_ENABLED', 'conflict', 'Two-factor authentication is already enabled'),
  userNotFound: () => new DomainError('AUTH.USER_NOT_FOUND', 'not_found', 'User not found'),
  adminEmailTaken: () => new DomainError('AUTH.EMAIL_TAKEN_BY_NON_ADMIN', 'conflict', 'This email belongs to an existing non-admin user; it is not promoted'),
};
