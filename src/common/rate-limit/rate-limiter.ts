import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { Clock } from '../clock/clock.js';
import { redisOptionsFromUrl } from '../queue/redis-options.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { RateLimitErrors } from './rate-limit.errors.js';
import { retryAfterMs, windowPosition } from './sliding-window.js';

/**
 * Check-and-count in one step, so API instances sharing Redis never let more through than the
 * limit: a hit is counted only when allowed (a blocked client does not extend its own block).
 * KEYS: current window, previous window. ARGV: previous weight, limit, ttl ms.
 */
const HIT_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[1]) + current + 1 > tonumber(ARGV[2]) then
  return {0, current, previous}
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, current + 1, previous}
`;

export interface RateLimit {
  /** Names the counter and appears in the 429 message ("for this account"). */
  bucket: string;
  describe: string;
  limit: number;
  windowMs: number;
}

type RedisWithHit = Redis & { rateLimitHit(k1: string, k2: string, weight: number, limit: number, ttlMs: number): Promise<[number, number, number]> };

/**
 * Shared counters in Redis (not process memory): the API scales out behind a load balancer and
 * every instance must see the same attempts. Subjects (emails, IPs) are hashed before they
 * become keys. Fails closed: without Redis, a limited action answers 503 rather than unlimited.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly client: RedisWithHit;
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.prefix = `${config.QUEUE_PREFIX}:rl`;
    this.client = new Redis(
      redisOptionsFromUrl(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 }),
    ) as RedisWithHit;
    this.client.defineCommand('rateLimitHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    this.client.on('error', () => undefined); // readiness reports Redis; each refused hit is logged below
  }

  async onModuleInit(): Promise<void> {
    await this.client.connect().catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.client.disconnect();
  }

  /** Counts one attempt by `subject`, or throws AUTH.RATE_LIMITED (429, Retry-After) when over the limit. */
  async hit(limit: RateLimit, subject: string): Promise<void> {
    const { index, elapsedMs } = windowPosition(this.clock.now().getTime(), limit.windowMs);
    const subjectKey = createHash('sha256').update(subject).digest('base64url').slice(0, 22);
    const key = (i: number) => `${this.prefix}:${limit.bucket}:${subjectKey}:${i}`;
    let result: [number, number, number];
    try {
      // Not connected: refuse now (ioredis would arm a command timer before refusing it).
      if (this.client.status !== 'ready') throw new Error(`redis connection is ${this.client.status}`);
      result = await this.client.rateLimitHit(key(index), key(index - 1), 1 - elapsedMs / limit.windowMs, limit.limit, 2 * limit.windowMs);
    } catch (error) {
      this.logger.error(`rate limiter unavailable: ${(error as Error).message}`);
      throw RateLimitErrors.rateLimitUnavailable();
    }
    const [allowed, current, previous] = result;
    if (allowed === 1) return;
    const waitMs = retryAfterMs({ current, previous }, limit.limit, elapsedMs, limit.windowMs);
    throw RateLimitErrors.rateLimited(limit.describe, Math.max(1, Math.ceil(waitMs / 1000)));
  }
}
