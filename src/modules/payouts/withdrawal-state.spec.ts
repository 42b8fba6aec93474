import {
  BATCH_STATUSES,
  WITHDRAWAL_STATUSES,
  batchSourcesOf,
  canTransitionBatch,
  canTransitionWithdrawal,
  waitingFor,
  withdrawalSourcesOf,
} from './withdrawal-state.js';

describe('withdrawal state machine', () => {
  it('allows exactly the documented forward path and the releasing exits', () => {
    const allowed = WITHDRAWAL_STATUSES.flatMap((from) => WITHDRAWAL_STATUSES.filter((to) => canTransitionWithdrawal(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(
      [
        'requested->approved',
        'requested->rejected',
        'requested->cancelled',
        'approved->batched',
        'approved->rejected',
        'batched->broadcast',
        'batched->failed',
        'broadcast->confirmed',
        'broadcast->failed',
      ].sort(),
    );
  });

  it('refuses out-of-order steps', () => {
    expect(canTransitionWithdrawal('requested', 'confirmed')).toBe(false);
    expect(canTransitionWithdrawal('approved', 'approved')).toBe(false);
    expect(canTransitionWithdrawal('rejected', 'batched')).toBe(false);
    expect(canTransitionWithdrawal('batched', 'cancelled')).toBe(false);
    expect(canTransitionWithdrawal('confirmed', 'failed')).toBe(false);
  });

  it('has no way out of a terminal status', () => {
    for (const terminal of ['confirmed', 'rejected', 'cancelled', 'failed'] as const) {
      expect(WITHDRAWAL_STATUSES.filter((to) => canTransitionWithdrawal(terminal, to))).toEqual([]);
    }
  });

  it('lists the statuses a conditional update may start from', () => {
    expect(withdrawalSourcesOf('rejected')).toEqual(['requested', 'approved']);
    expect(withdrawalSourcesOf('failed')).toEqual(['batched', 'broadcast']);
    expect(withdrawalSourcesOf('cancelled')).toEqual(['requested']);
  });
});

describe('payout batch state machine', () => {
  it('confirms only after broadcast and fails from any unresolved state', () => {
    expect(canTransitionBatch('exported', 'confirmed')).toBe(false);
    expect(canTransitionBatch('exported', 'broadcast')).toBe(true);
    expect(canTransitionBatch('broadcast', 'confirmed')).toBe(true);
    expect(batchSourcesOf('failed')).toEqual(['exported', 'broadcast']);
    for (const terminal of ['confirmed', 'failed'] as const) {
      expect(BATCH_STATUSES.filter((to) => canTransitionBatch(terminal, to))).toEqual([]);
    }
  });
});

describe('why a withdrawal waits', () => {
  const now = new Date('2030-01-10T12:00:00Z');
  const base = { requiresSecondApproval: false, firstApproverId: null, accountLockedUntil: null };

  it('names the account time lock first, then the approvals still missing', () => {
    expect(waitingFor({ ...base, status: 'requested', accountLockedUntil: new Date('2030-01-11T00:00:00Z') }, now)).toBe('account_time_lock');
    expect(waitingFor({ ...base, status: 'requested', accountLockedUntil: new Date('2030-01-09T00:00:00Z') }, now)).toBe('approval');
    expect(waitingFor({ ...base, status: 'requested', requiresSecondApproval: true }, now)).toBe('approval');
    expect(waitingFor({ ...base, status: 'requested', requiresSecondApproval: true, firstApproverId: 'f1' }, now)).toBe('second_approval');
  });

  it('names the payout step for approved, batched and broadcast, and nothing once finished', () => {
    expect(waitingFor({ ...base, status: 'approved' }, now)).toBe('batch');
    expect(waitingFor({ ...base, status: 'batched' }, now)).toBe('broadcast');
    expect(waitingFor({ ...base, status: 'broadcast' }, now)).toBe('confirmation');
    for (const status of ['confirmed', 'rejected', 'cancelled', 'failed'] as const) expect(waitingFor({ ...base, status }, now)).toBeNull();
  });
});
