import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock.js';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import type { RequestContext } from '../../common/http/request-context.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import type { RecordDifficultyDto, RecordPriceDto } from './market.inputs.js';
import { MarketDataConflictError } from './market.errors.js';
import { MarketRepository, type DifficultyRow, type PriceRow } from './market.repository.js';
import { expectedSatsPerThDay } from './yield-math.js';

export type { DifficultyRow, PriceRow } from './market.repository.js';

/** "65000.12000000" -> "65000.12" (exact; only trailing zeros go). */
export function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

export const priceView = (p: PriceRow) => ({ day: p.day, usdPerBtc: trimDecimal(p.usdPerBtc) });
export const difficultyView = (d: DifficultyRow) => ({
  day: d.day,
  difficulty: trimDecimal(d.difficulty),
  blockSubsidySats: d.blockSubsidySats.toString(),
  avgFeesPerBlockSats: d.avgFeesPerBlockSats.toString(),
  rewardSats: (d.blockSubsidySats + d.avgFeesPerBlockSats).toString(),
});

/**
 * Daily BTC price and network difficulty. Recording is idempotent per day: the same figures
 * again are a no-op, different figures for a recorded day are refused (409) rather than silently
 * changing what settlement used.
 */
@Injectable()
export class MarketService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: MarketRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  private assertNotFuture(day: string): void {
    if (day > utcDayOf(this.clock.now())) throw new ValidationFailedError('day', 'must not be in the future (UTC)');
  }

  async recordPrice(ctx: RequestContext, dto: RecordPriceDto) {
    this.assertNotFuture(dto.day);
    return this.tx.run(async (manager) => {
      const { row, created } = await this.repository.insertPrice(dto.day, dto.usdPerBtc, ctx.user.userId, manager);
      if (!created) {
        if (!(await this.repository.sameNumeric(row.usdPerBtc, dto.usdPerBtc, manager))) throw new MarketDataConflictError('price', dto.day, 'usdPerBtc');
        return { outcome: 'unchanged' as const, price: priceView(row) };
      }
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'market.price.recorded',
        entityType: 'btc_price',
        entityId: dto.day,
        after: priceView(row),
        requestId: ctx.requestId,
      });
      return { outcome: 'created' as const, price: priceView(row) };
    });
  }

  async recordDifficulty(ctx: RequestContext, dto: RecordDifficultyDto) {
    this.assertNotFuture(dto.day);
    const incoming: DifficultyRow = {
      day: dto.day,
      difficulty: dto.difficulty,
      blockSubsidySats: BigInt(dto.blockSubsidySats),
      avgFeesPerBlockSats: BigInt(dto.avgFeesPerBlockSats),
    };
    return this.tx.run(async (manager) => {
      const { row, created } = await this.repository.insertDifficulty(incoming, ctx.user.userId, manager);
      if (!created) {
        const same =
          (await this.repository.sameNumeric(row.difficulty, incoming.difficulty, manager)) &&
          row.blockSubsidySats === incoming.blockSubsidySats &&
          row.avgFeesPerBlockSats === incoming.avgFeesPerBlockSats;
        if (!same) throw new MarketDataConflictError('difficulty', dto.day, 'difficulty');
        return { outcome: 'unchanged' as const, difficulty: difficultyView(row) };
      }
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'market.difficulty.recorded',
        entityType: 'network_difficulty',
        entityId: dto.day,
        after: difficultyView(row),
        requestId: ctx.requestId,
      });
      return { outcome: 'created' as const, difficulty: difficultyView(row) };
    });
  }

  /** The most recent BTC price (on or before `day` when given). */
  latestPrice(day?: string): Promise<PriceRow | null> {
    return this.repository.latestPrice(day);
  }

  /** The most recent difficulty with its block reward (on or before `day` when given). */
  latestDifficulty(day?: string): Promise<DifficultyRow | null> {
    return this.repository.latestDifficulty(day);
  }

  priceOn(day: string): Promise<PriceRow | null> {
    return this.repository.priceOn(day);
  }

  difficultyOn(day: string): Promise<DifficultyRow | null> {
    return this.repository.difficultyOn(day);
  }

  /** The recorded difficulty of each day in [from, to], in one query (reports over a range read this, not one day at a time). */
  difficultyBetween(from: string, to: string): Promise<DifficultyRow[]> {
    return this.repository.difficultyBetween(from, to);
  }

  /** Sats per TH/s per day, exact and rounded down (see yield-math.ts). */
  expectedSatsPerThDay(difficulty: string, rewardSats: bigint): bigint {
    return expectedSatsPerThDay(difficulty, rewardSats);
  }
}
