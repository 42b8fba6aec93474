/**
 * The withdrawal and payout-batch state machines. The same transitions are enforced by
 * triggers in the database (migration AddPayouts), so no code path can skip a step.
 */
export const WITHDRAWAL_STATUSES = ['requested', 'approved', 'batched', 'broadcast', 'confirmed', 'rejected', 'cancelled', 'failed'] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

export const WITHDRAWAL_TRANSITIONS: Readonly<Record<WithdrawalStatus, readonly WithdrawalStatus[]>> = {
  requested: ['approved', 'rejected', 'cancelled'],
  approved: ['batched', 'rejected'],
  batched: ['broadcast', 'failed'],
  broadcast: ['confirmed', 'failed'],
  confirmed: [],
  rejected: [],
  cancelled: [],
  failed: [],
};

export const BATCH_STATUSES = ['exported', 'broadcast', 'confirmed', 'failed'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/**
 * `exported` is the sent-intent: recorded before the file reaches the wallet. Until a txid
 * is recorded or finance marks it failed, its outcome is unknown and its withdrawals stay in it.
 */
export const BATCH_TRANSITIONS: Readonly<Record<BatchStatus, readonly BatchStatus[]>> = {
  exported: ['broadcast', 'failed'],
  broadcast: ['confirmed', 'failed'],
  confirmed: [],
  failed: [],
};

export function canTransitionWithdrawal(from: WithdrawalStatus, to: WithdrawalStatus): boolean {
  return WITHDRAWAL_TRANSITIONS[from].includes(to);
}

export function canTransitionBatch(from: BatchStatus, to: BatchStatus): boolean {
  return BATCH_TRANSITIONS[from].includes(to);
}

/** Which statuses a withdrawal may be in for `to` to be reached (used in conditional UPDATEs). */
export function withdrawalSourcesOf(to: WithdrawalStatus): WithdrawalStatus[] {
  return WITHDRAWAL_STATUSES.filter((from) => canTransitionWithdrawal(from, to));
}

export function batchSourcesOf(to: BatchStatus): BatchStatus[] {
  return BATCH_STATUSES.filter((from) => canTransitionBatch(from, to));
}

/** What a waiting withdrawal waits for, shown to its customer. */
export type WaitingFor = 'account_time_lock' | 'approval' | 'second_approval' | 'batch' | 'broadcast' | 'confirmation';

export interface WaitingInput {
  status: WithdrawalStatus;
  requiresSecondApproval: boolean;
  firstApproverId: string | null;
  /** The account's withdrawal lock (after a password or TOTP change), if still running. */
  accountLockedUntil: Date | null;
}

export function waitingFor(input: WaitingInput, now: Date): WaitingFor | null {
  switch (input.status) {
    case 'requested':
      if (input.accountLockedUntil && input.accountLockedUntil > now) return 'account_time_lock';
      return input.requiresSecondApproval && input.firstApproverId ? 'second_approval' : 'approval';
    case 'approved':
      return 'batch';
    case 'batched':
      return 'broadcast';
    case 'broadcast':
      return 'confirmation';
    default:
      return null;
  }
}
