import { DomainError } from '../errors/domain-error.js';

/**
 * The rate limiter's refusals. Their codes keep the AUTH prefix they were published with (sign-in
 * was the first limited route); clients match on the code.
 */
export const RateLimitErrors = {
  rateLimited: (scope: string, retryAfterSeconds: number) =>
    new DomainError('AUTH.RATE_LIMITED', 'too_many_requests', `Too many attempts ${scope}; try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds }),
  rateLimitUnavailable: () => new DomainError('AUTH.RATE_LIMIT_UNAVAILABLE', 'unavailable', 'Sign-in is temporarily unavailable; try again shortly'),
};
