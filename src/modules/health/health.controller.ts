import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/auth/roles.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { HealthRepository } from './health.repository.js';
import { RedisProbe } from './redis-probe.js';

type CheckResult = { status: 'up' } | { status: 'down'; error: string };

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await probe();
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  }
}

@ApiTags('ops')
@Controller()
export class HealthController {
  constructor(
    private readonly database: HealthRepository,
    private readonly redis: RedisProbe,
    private readonly metrics: MetricsService,
  ) {}

  /** The process is up and its event loop answers. */
  @Public()
  @Get('health/live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** Ready to take traffic: Postgres and Redis both answer; 503 naming the one that does not. */
  @Public()
  @Get('health/ready')
  async ready(@Res() reply: FastifyReply) {
    const [postgres, redis] = await Promise.all([check(() => this.database.ping()), check(() => this.redis.ping())]);
    const ok = postgres.status === 'up' && redis.status === 'up';
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } });
  }

  /** Prometheus scrape endpoint (restrict at the network edge in production). */
  @Public()
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  metricsText() {
    return this.metrics.render();
  }
}
