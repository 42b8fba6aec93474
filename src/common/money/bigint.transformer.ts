import type { ValueTransformer } from 'typeorm';

/**
 * Postgres `bigint` arrives from `pg` as a string; money and hash rate must never pass
 * through a JS number, so every such column maps to a TypeScript `bigint`.
 */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};

/**
 * Postgres `numeric` stays a string in TypeScript (exact decimal); conversions to minor
 * units happen in SQL or in the decimal helpers with a named rounding rule.
 */
export const decimalStringTransformer: ValueTransformer = {
  to: (value: string | null | undefined) => value,
  from: (value: string | null) => value,
};
