import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { FixedClock } from '../../src/common/clock/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { RateLimiter } from '../../src/common/rate-limit/rate-limiter.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

/** The Redis-backed limiter on its own, against the real Redis the tests use. */
describe('RateLimiter', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const clock = new FixedClock(new Date('2030-05-01T10:00:00Z'));
  let limiter: RateLimiter;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    limiter = new RateLimiter(loadConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix }), clock);
    await limiter.onModuleInit();
  });
  afterAll(async () => {
    limiter.onModuleDestroy();
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  const limit = { bucket: 'test', describe: 'for this test', limit: 10, windowMs: 60_000 };
  const outcome = (p: Promise<void>) =>
    p.then(
      () => 'allowed',
      (e: { code?: string }) => e.code,
    );

  it('lets exactly `limit` of many concurrent hits through, however they interleave', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => outcome(limiter.hit(limit, 'subject-a'))));
    expect(results.filter((r) => r === 'allowed')).toHaveLength(10);
    expect(results.filter((r) => r === 'AUTH.RATE_LIMITED')).toHaveLength(30);
  });

  it('keeps subjects and buckets apart', async () => {
    expect(await outcome(limiter.hit(limit, 'subject-b'))).toBe('allowed');
    expect(await outcome(limiter.hit({ ...limit, bucket: 'other' }, 'subject-a'))).toBe('allowed');
  });

  it('says when to come back, and lets the client in then', async () => {
    for (let i = 0; i < 10; i++) await limiter.hit(limit, 'subject-c');
    const error = await limiter.hit(limit, 'subject-c').catch((e: { details?: { retryAfterSeconds: number } }) => e);
    const wait = (error as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds;
    // 10 hits at 10:00:00 with limit 10: the rest of this minute, then 10% of the next.
    expect(wait).toBe(66);
    clock.advanceMs((wait - 1) * 1000);
    expect(await outcome(limiter.hit(limit, 'subject-c'))).toBe('AUTH.RATE_LIMITED');
    clock.advanceMs(1000);
    expect(await outcome(limiter.hit(limit, 'subject-c'))).toBe('allowed');
  });

  it('fails closed with 503 AUTH.RATE_LIMIT_UNAVAILABLE while its Redis connection is not up', async () => {
    // Never connected (onModuleInit not called): the state it is in while Redis is down or reconnecting.
    const unreachable = new RateLimiter(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1/1', QUEUE_PREFIX: prefix }), clock);
    try {
      await expect(unreachable.hit(limit, 'subject-d')).rejects.toMatchObject({ code: 'AUTH.RATE_LIMIT_UNAVAILABLE', kind: 'unavailable' });
    } finally {
      unreachable.onModuleDestroy();
    }
  });
});
