import type pg from 'pg';
import type { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { bigintTransformer } from '../common/money/bigint.transformer.js';

/**
 * The one small data-access layer every repository uses with raw SQL: column lists and row
 * mapping derived from entity metadata and its transformers (so no repository writes an
 * aliased column list or a BigInt(...) by hand), the shape of rows that are no entity
 * (aggregates) declared once, the rows of a TypeORM query result, the pg connection behind a
 * manager, and per-statement settings.
 */

/** Either a transaction's manager or the DataSource (autocommit). */
export type Db = EntityManager | DataSource;

/** What runs a statement: the manager given (last, optional) or the DataSource. */
export type Queryable = Pick<EntityManager, 'query'>;

function connectionOf(db: Db): DataSource {
  return 'connection' in db ? db.connection : db;
}

function metadataOf(db: Db, target: EntityTarget<ObjectLiteral>): EntityMetadata {
  return connectionOf(db).getMetadata(target);
}

/**
 * A column as SQL selects it for mapRows: its own name, `date` columns as text (a UTC day
 * string, never a Date in the process's time zone).
 */
function selectColumn(column: ColumnMetadata, alias: string | undefined): string {
  const name = `"${column.databaseName}"`;
  const ref = alias ? `${alias}.${name}` : name;
  return column.type === 'date' ? `${ref}::text AS ${name}` : alias ? `${ref} AS ${name}` : ref;
}

/**
 * The entity's columns for a SELECT list (`r."pool_id" AS "pool_id", r."day"::text AS "day", ...`),
 * all of them or the named properties only; mapRows turns the rows into the entity's shape.
 */
export function columnsOf<T extends ObjectLiteral>(db: Db, target: EntityTarget<T>, alias?: string, only?: readonly (keyof T & string)[]): string {
  const columns = metadataOf(db, target).columns.filter((c) => !only || only.includes(c.propertyName as keyof T & string));
  return columns.map((c) => selectColumn(c, alias)).join(', ');
}

/**
 * Raw rows (keys are the table's column names) mapped to the entity's properties through the
 * driver's hydration and each column's transformer: bigint money as bigint, numeric as exact
 * strings, timestamps as Date. Columns a row does not have are left out.
 */
export function mapRows<T extends ObjectLiteral>(db: Db, target: EntityTarget<T>, raw: readonly Record<string, unknown>[]): T[] {
  const metadata = metadataOf(db, target);
  const driver = connectionOf(db).driver;
  return raw.map((row) => {
    const out: Record<string, unknown> = {};
    for (const column of metadata.columns) {
      if (column.databaseName in row) out[column.propertyName] = driver.prepareHydratedValue(row[column.databaseName], column);
    }
    return out as T;
  });
}

/** Runs the statement and maps its rows to the entity (see mapRows). */
export async function queryEntities<T extends ObjectLiteral>(db: Db, target: EntityTarget<T>, sql: string, params: unknown[] = []): Promise<T[]> {
  return mapRows(db, target, resultRows<Record<string, unknown>>(await db.query(sql, params)));
}

/**
 * Rows of a join, each mapped by every entity named (see mapRows): `[entry, posting, account]`
 * per row, each side's properties from its own metadata. Select each side's columns with
 * columnsOf(..., alias, only) so no two sides give a column the same name.
 */
export function mapJoined<A extends ObjectLiteral, B extends ObjectLiteral>(
  db: Db,
  targets: [EntityTarget<A>, EntityTarget<B>],
  raw: readonly Record<string, unknown>[],
): [A, B][];
export function mapJoined<A extends ObjectLiteral, B extends ObjectLiteral, C extends ObjectLiteral>(
  db: Db,
  targets: [EntityTarget<A>, EntityTarget<B>, EntityTarget<C>],
  raw: readonly Record<string, unknown>[],
): [A, B, C][];
export function mapJoined(db: Db, targets: EntityTarget<ObjectLiteral>[], raw: readonly Record<string, unknown>[]): ObjectLiteral[][] {
  const sides = targets.map((target) => mapRows(db, target, raw));
  return raw.map((_, i) => sides.map((side) => side[i]));
}

/** How one field of a row that is no entity is read from what pg returns. */
export interface Field<V> {
  from(raw: unknown): V;
  /** A `day` field: a SELECT list derived from the shape (columnsOfShape) reads its date column as text. */
  readonly day?: true;
}

/** A field that may not be null: a null (or a missing column) is refused, never passed on as a bigint or a number. */
function required<V>(kind: string, convert: (raw: unknown) => V, extra: Omit<Field<V>, 'from'> = {}): Field<V> {
  return {
    ...extra,
    from: (raw) => {
      if (raw === null || raw === undefined) throw new TypeError(`a ${kind} field is null`);
      return convert(raw);
    },
  };
}

/** The same field, null when the column is. */
function orNull<V>(convert: (raw: unknown) => V, extra: Omit<Field<V>, 'from'> = {}): Field<V | null> {
  return { ...extra, from: (raw) => (raw === null || raw === undefined ? null : convert(raw)) };
}

const toBigint = (raw: unknown) => bigintTransformer.from(raw) as bigint;
const toNumber = (raw: unknown) => Number(raw);
const toText = (raw: unknown) => String(raw);
const toTextArray = (raw: unknown) => (raw as unknown[]).map(String);

/**
 * The field kinds of non-entity rows: `bigint` money and hash rate through the entities'
 * bigint transformer (never a JS number), counts and small integers (a Postgres bigint count,
 * small by construction, or an int) as numbers, text (uuid, numeric as an exact string), a
 * `day` (a `date` column selected as text: a UTC day string, never a Date), text arrays, and
 * everything else pg already types (boolean, timestamptz as Date) as it comes (`as`). A kind
 * refuses a null; its `OrNull` twin gives null.
 */
export const field = {
  bigint: required('bigint', toBigint),
  bigintOrNull: orNull(toBigint),
  count: required('count', toNumber),
  int: required('int', toNumber),
  intOrNull: orNull(toNumber),
  text: required('text', toText),
  textOrNull: orNull(toText),
  day: required('day', toText, { day: true }),
  dayOrNull: orNull(toText, { day: true }),
  textArrayOrNull: orNull(toTextArray),
  as: <V>(): Field<V> => ({ from: (raw) => raw as V }),
};

export type RowOf<S extends Record<string, Field<unknown>>> = { [K in keyof S]: S[K] extends Field<infer V> ? V : never };

/** A non-entity row declared once: each key is the column name the SQL gives it (`AS "onlineGhs"`). */
export interface RowShape<T> {
  /** The shape's fields, by the key each has in a row. */
  readonly fields: Readonly<Record<keyof T & string, Field<unknown>>>;
  map(raw: readonly Record<string, unknown>[]): T[];
}

export function rowShape<S extends Record<string, Field<unknown>>>(fields: S): RowShape<RowOf<S>> {
  const keys = Object.keys(fields);
  return {
    fields,
    map: (raw) =>
      raw.map((row) => {
        const out: Record<string, unknown> = {};
        for (const key of keys) out[key] = fields[key].from(row[key]);
        return out as RowOf<S>;
      }),
  };
}

/** The keys of a shape's rows, in their declared order. */
export function keysOf<T>(shape: RowShape<T>): (keyof T & string)[] {
  return Object.keys(shape.fields) as (keyof T & string)[];
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The SELECT list of a table that is no entity (`s."pool_id" AS "poolId", s."day"::text AS "day"`)
 * when its columns are the shape's keys in snake case: no hand-aliased column list. `day` fields
 * are read as text.
 */
export function columnsOfShape<T>(shape: RowShape<T>, alias: string): string {
  return keysOf(shape)
    .map((key) => `${alias}."${snakeCase(key)}"${shape.fields[key].day ? '::text' : ''} AS "${key}"`)
    .join(', ');
}

/** Runs the statement and maps its rows to the declared shape (see rowShape). */
export async function queryRows<T>(db: Db | Queryable, shape: RowShape<T>, sql: string, params: unknown[] = []): Promise<T[]> {
  return shape.map(resultRows<Record<string, unknown>>(await db.query(sql, params)));
}

/** Runs a statement that returns one row (an aggregate, a plan's figures) and maps it; refuses a statement that returns none. */
export async function queryRow<T>(db: Db | Queryable, shape: RowShape<T>, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await queryRows(db, shape, sql, params);
  if (row === undefined) throw new TypeError('the statement returned no row');
  return row;
}

/** Rows of a TypeORM query() result: UPDATE/DELETE ... RETURNING yields [rows, count], the rest rows. */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** How many rows an UPDATE or DELETE through TypeORM's query() touched. */
export function affectedCount(result: unknown): number {
  return Array.isArray(result) && result.length === 2 && typeof result[1] === 'number' ? result[1] : 0;
}

/** What a TypeORM Postgres query runner exposes of its pg connection. */
interface PgQueryRunner {
  connect(): Promise<pg.ClientBase>;
}

/**
 * The pg connection of the manager's transaction, else the pool (one autocommit statement),
 * for the hot paths that talk to pg directly (named prepared statements, no query logging).
 */
export async function pgClient(db: Db): Promise<Pick<pg.ClientBase, 'query'>> {
  const runner = 'queryRunner' in db ? (db.queryRunner as unknown as PgQueryRunner | undefined) : undefined;
  return runner ? runner.connect() : (connectionOf(db).driver as unknown as { master: pg.Pool }).master;
}

/** Settings for the rest of the manager's transaction, in one statement (`SET LOCAL`). */
export async function setLocal(manager: EntityManager, settings: Record<string, string | number | boolean>): Promise<void> {
  const names = Object.keys(settings);
  if (names.length === 0) return;
  await manager.query(
    `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`,
    names.flatMap((name) => [name, String(settings[name])]),
  );
}
