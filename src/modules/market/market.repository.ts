import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, queryEntities } from '../../database/data-access.js';
import { BtcPrice } from './entities/btc-price.entity.js';
import { NetworkDifficulty } from './entities/network-difficulty.entity.js';

const PRICE_PROPS = ['day', 'usdPerBtc'] as const satisfies readonly (keyof BtcPrice)[];
const DIFFICULTY_PROPS = ['day', 'difficulty', 'blockSubsidySats', 'avgFeesPerBlockSats'] as const satisfies readonly (keyof NetworkDifficulty)[];

export type PriceRow = Pick<BtcPrice, (typeof PRICE_PROPS)[number]>;
export type DifficultyRow = Pick<NetworkDifficulty, (typeof DIFFICULTY_PROPS)[number]>;

/** SQL for daily market data: one row per UTC day in each table. */
@Injectable()
export class MarketRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts the day's price unless the day exists; returns the stored row and whether this call wrote it. */
  async insertPrice(
    day: string,
    usdPerBtc: string,
    recordedBy: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ row: PriceRow; created: boolean }> {
    const inserted = await queryEntities(
      manager,
      BtcPrice,
      `INSERT INTO btc_prices (day, usd_per_btc, recorded_by) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING RETURNING ${columnsOf(manager, BtcPrice, undefined, PRICE_PROPS)}`,
      [day, usdPerBtc, recordedBy],
    );
    if (inserted[0]) return { row: inserted[0], created: true };
    const existing = await queryEntities(manager, BtcPrice, `SELECT ${columnsOf(manager, BtcPrice, undefined, PRICE_PROPS)} FROM btc_prices WHERE day = $1`, [
      day,
    ]);
    return { row: existing[0], created: false };
  }

  async insertDifficulty(
    row: DifficultyRow,
    recordedBy: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ row: DifficultyRow; created: boolean }> {
    const inserted = await queryEntities(
      manager,
      NetworkDifficulty,
      `INSERT INTO network_difficulty (day, difficulty, block_subsidy_sats, avg_fees_per_block_sats, recorded_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (day) DO NOTHING RETURNING ${columnsOf(manager, NetworkDifficulty, undefined, DIFFICULTY_PROPS)}`,
      [row.day, row.difficulty, row.blockSubsidySats.toString(), row.avgFeesPerBlockSats.toString(), recordedBy],
    );
    if (inserted[0]) return { row: inserted[0], created: true };
    const existing = await queryEntities(
      manager,
      NetworkDifficulty,
      `SELECT ${columnsOf(manager, NetworkDifficulty, undefined, DIFFICULTY_PROPS)} FROM network_difficulty WHERE day = $1`,
      [row.day],
    );
    return { row: existing[0], created: false };
  }

  /** Exact numeric equality in Postgres ("65000.1" = "65000.10000000"). */
  async sameNumeric(a: string, b: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: { same: boolean }[] = await manager.query(`SELECT $1::numeric = $2::numeric AS same`, [a, b]);
    return rows[0].same;
  }

  /** The most recent price on or before `day` (the latest when omitted). */
  async latestPrice(onOrBefore?: string, manager: EntityManager = this.dataSource.manager): Promise<PriceRow | null> {
    const rows = await queryEntities(
      manager,
      BtcPrice,
      `SELECT ${columnsOf(manager, BtcPrice, undefined, PRICE_PROPS)} FROM btc_prices WHERE ($1::date IS NULL OR day <= $1) ORDER BY day DESC LIMIT 1`,
      [onOrBefore ?? null],
    );
    return rows[0] ?? null;
  }

  async latestDifficulty(onOrBefore?: string, manager: EntityManager = this.dataSource.manager): Promise<DifficultyRow | null> {
    const rows = await queryEntities(
      manager,
      NetworkDifficulty,
      `SELECT ${columnsOf(manager, NetworkDifficulty, undefined, DIFFICULTY_PROPS)} FROM network_difficulty WHERE ($1::date IS NULL OR day <= $1) ORDER BY day DESC LIMIT 1`,
      [onOrBefore ?? null],
    );
    return rows[0] ?? null;
  }

  async priceOn(day: string, manager: EntityManager = this.dataSource.manager): Promise<PriceRow | null> {
    const rows = await queryEntities(manager, BtcPrice, `SELECT ${columnsOf(manager, BtcPrice, undefined, PRICE_PROPS)} FROM btc_prices WHERE day = $1`, [day]);
    return rows[0] ?? null;
  }

  async difficultyOn(day: string, manager: EntityManager = this.dataSource.manager): Promise<DifficultyRow | null> {
    const rows = await queryEntities(
      manager,
      NetworkDifficulty,
      `SELECT ${columnsOf(manager, NetworkDifficulty, undefined, DIFFICULTY_PROPS)} FROM network_difficulty WHERE day = $1`,
      [day],
    );
    return rows[0] ?? null;
  }

  /** Every recorded day from `from` to `to` inclusive, in day order (days without a row are absent). */
  async difficultyBetween(from: string, to: string, manager: EntityManager = this.dataSource.manager): Promise<DifficultyRow[]> {
    const rows = await queryEntities(
      manager,
      NetworkDifficulty,
      `SELECT ${columnsOf(manager, NetworkDifficulty, undefined, DIFFICULTY_PROPS)} FROM network_difficulty WHERE day BETWEEN $1 AND $2 ORDER BY day`,
      [from, to],
    );
    return rows;
  }
}
