import type { RowOf } from '../../common/sql/row-shape.js';

/** A run's totals, summed from its chunks (sats and micro-USD), as the finalizer checks and posts them. */
export const RUN_TOTALS = {
  chunksDone: 'int', contracts: 'int', grossSats: 'bigint', electricityFeeMicroUsd: 'bigint', electricityFeeSats: 'bigint',
  managementFeeSats: 'bigint', arrearsCollectedSats: 'bigint', arrearsClearedMicroUsd: 'bigint', netSats: 'bigint',
  arrearsAddedMicroUsd: 'bigint', paused: 'int', inArrears: 'int', stateChanges: 'int',
} as const;

export type RunTotals = RowOf<typeof RUN_TOTALS> & { houseSats: bigint };

/** What one customer of a chunk is owed: net sats credited and the change of their USD arrears (micro-USD). */
export const CUSTOMER_TOTAL = { customerId: 'text', netSats: 'bigint', arrearsDelta: 'bigint' } as const;

export type CustomerTotal = RowOf<typeof CUSTOMER_TOTAL>;
