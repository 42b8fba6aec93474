import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 6;

/** True for serialization failures and deadlocks: the transaction can simply run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: string; driverError?: { code?: string } })?.code ?? (error as { driverError?: { code?: string } })?.driverError?.code;
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

/** SQLSTATE of a Postgres error, also when TypeORM wrapped it in a QueryFailedError. */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

export interface TransactionOptions {
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
}

/**
 * Opens transactions. When a manager is passed in, the work joins the caller's transaction;
 * otherwise a new one is opened and retried on 40001/40P01 with jittered backoff, so a
 * serialization failure never reaches the client as a 500.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>, outer?: EntityManager, options: TransactionOptions = {}): Promise<T> {
    if (outer?.queryRunner?.isTransactionActive) return work(outer);
    for (let attempt = 1; ; attempt++) {
      try {
        // READ COMMITTED is every connection's default (see buildDataSourceOptions): no SET needed.
        const isolation = options.isolation ?? 'READ COMMITTED';
        return await (isolation === 'READ COMMITTED' ? this.dataSource.transaction(work) : this.dataSource.transaction(isolation, work));
      } catch (error) {
        if (!isRetryableTransactionError(error) || attempt >= MAX_ATTEMPTS) throw error;
        const delayMs = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
        this.logger.warn(`transaction retry ${attempt} after ${sqlState(error)}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /**
   * Runs `work` holding a session-level advisory lock named `lockName` on a connection of its
   * own (work that spans many transactions, serialised across processes); released afterwards,
   * also when the work fails.
   */
  async exclusively<T>(lockName: string, work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext($1))`, [lockName]);
      return await work();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [lockName]).catch(() => undefined);
      await runner.release();
    }
  }
}
