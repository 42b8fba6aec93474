/**
 * TypeORM's `manager.query` returns `[rows, rowCount]` for UPDATE/DELETE on Postgres and the
 * rows alone for SELECT/INSERT: every repository reads RETURNING rows through this.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** A `bigint` column read by raw SQL (a decimal string from pg) as a TypeScript bigint. */
export function big(value: string | number | bigint): bigint {
  return BigInt(value);
}

/** The UTC calendar day of an instant, as Postgres `date` text (YYYY-MM-DD). */
export function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}
