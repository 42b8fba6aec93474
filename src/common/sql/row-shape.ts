/**
 * Aggregate rows (sums, counts, a plan's figures: what a statement returns that is no entity)
 * declared once: a shape names each field's kind (`?` when it may be null; `day` is a UTC day
 * string, a `date` column selected as text), the row's TypeScript type follows from it, and
 * mapShape converts a raw pg row (bigint and numeric sums arrive as text) to it. Entity rows are
 * mapped from their metadata instead (src/database/data-access.ts).
 */
type BaseKind = 'bigint' | 'int' | 'text' | 'day' | 'text[]';
export type FieldKind = BaseKind | `${BaseKind}?`;
export type RowShape = Readonly<Record<string, FieldKind>>;

type BaseOf<K extends BaseKind> = K extends 'bigint' ? bigint : K extends 'int' ? number : K extends 'text[]' ? string[] : string;
type FieldOf<K extends FieldKind> = K extends `${infer B extends BaseKind}?` ? BaseOf<B> | null : K extends BaseKind ? BaseOf<K> : never;

/** The row a shape describes. */
export type RowOf<S extends RowShape> = { -readonly [F in keyof S]: FieldOf<S[F]> };

function convert(kind: FieldKind, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (kind.endsWith('?')) return null;
    throw new TypeError(`a ${kind} field is null`);
  }
  switch (kind.replace('?', '') as BaseKind) {
    case 'bigint':
      return BigInt(value as string | number | bigint);
    case 'int':
      return Number(value);
    case 'text':
    case 'day':
      return String(value);
    case 'text[]':
      return (value as unknown[]).map(String);
  }
}

/** Converts one raw row to the shape's types; fields the shape does not name are left out. */
export function mapShape<S extends RowShape>(shape: S, raw: Record<string, unknown>): RowOf<S> {
  const out: Record<string, unknown> = {};
  for (const field of Object.keys(shape)) out[field] = convert(shape[field], raw[field]);
  return out as RowOf<S>;
}

const snakeCase = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The SELECT list of a table that is no entity (`s."pool_id" AS "poolId", s."day"::text AS "day"`)
 * when its columns are the shape's fields in snake case: no hand-aliased column list.
 */
export function columnsOfShape(shape: RowShape, alias: string): string {
  return Object.keys(shape)
    .map((field) => `${alias}."${snakeCase(field)}"${shape[field].startsWith('day') ? '::text' : ''} AS "${field}"`)
    .join(', ');
}
