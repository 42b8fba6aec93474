import { field, rowShape, type RowOf } from '../../database/data-access.js';

/** What a settlement row, a chunk and a run add up, in their units (sats and micro-USD). */
export const SETTLEMENT_AMOUNT_FIELDS = {
  grossSats: field.bigint,
  electricityFeeMicroUsd: field.bigint,
  electricityFeeSats: field.bigint,
  managementFeeSats: field.bigint,
  arrearsCollectedSats: field.bigint,
  arrearsClearedMicroUsd: field.bigint,
  netSats: field.bigint,
  arrearsAddedMicroUsd: field.bigint,
};

const RUN_TOTALS_FIELDS = {
  chunksDone: field.int,
  contracts: field.int,
  ...SETTLEMENT_AMOUNT_FIELDS,
  paused: field.int,
  inArrears: field.int,
  stateChanges: field.int,
};

/** A run's totals, summed from its chunks (sats and micro-USD), as the finalizer checks and posts them. */
export const RUN_TOTALS = rowShape(RUN_TOTALS_FIELDS);

export type RunTotals = RowOf<typeof RUN_TOTALS_FIELDS> & { houseSats: bigint };

/** A run's totals from its chunks, and how many chunks it has (see SettlementEngineRepository.chunkTotals). */
export const CHUNK_SUMS = rowShape({ ...RUN_TOTALS_FIELDS, chunks: field.int });

const CUSTOMER_TOTAL_FIELDS = { customerId: field.text, netSats: field.bigint, arrearsDelta: field.bigint };

/** What one customer of a chunk is owed: net sats credited and the change of their USD arrears (micro-USD). */
export const CUSTOMER_TOTAL = rowShape(CUSTOMER_TOTAL_FIELDS);

export type CustomerTotal = RowOf<typeof CUSTOMER_TOTAL_FIELDS>;
