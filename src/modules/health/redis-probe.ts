import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../../common/queue/redis-options.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';

/** A Redis connection used only to answer readiness: it fails fast instead of queueing. */
@Injectable()
export class RedisProbe implements OnApplicationShutdown {
  private readonly client: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = new Redis(
      redisOptionsFromUrl(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 }),
    );
    this.client.on('error', () => undefined); // readiness reports it; no log storm while Redis is down
    void this.client.connect().catch(() => undefined);
  }

  async ping(timeoutMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.client.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('redis ping timed out')), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** After the HTTP server has drained, so an in-flight readiness check still gets its answer. */
  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
