import { Column, type ColumnOptions } from 'typeorm';
import { bigintTransformer, decimalStringTransformer } from './bigint.transformer.js';

type Extra = Pick<ColumnOptions, 'nullable' | 'default' | 'name' | 'comment'>;

/** A `bigint` column in minor units (sats, micro-USD, GH/s) mapped to TypeScript bigint. */
export function BigIntColumn(options: Extra = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: bigintTransformer, ...options });
}

/** A `numeric(precision, scale)` price column kept as an exact decimal string. */
export function DecimalColumn(precision: number, scale: number, options: Extra = {}): PropertyDecorator {
  return Column({ type: 'numeric', precision, scale, transformer: decimalStringTransformer, ...options });
}
