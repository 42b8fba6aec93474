import { formatBtc } from '../../common/money/units.js';
import type { AutoPayoutSettingRecord } from './auto-payout.repository.js';
import type { PayoutAddress } from './entities/payout-address.entity.js';
import type { BatchItemRecord, BatchRecord } from './payout-batch.repository.js';
import type { WithdrawalRecord } from './withdrawal.repository.js';
import { waitingFor } from './withdrawal-state.js';

/** API shapes: BTC as decimal strings, sats as integer strings, never JS numbers. */
export function addressView(a: PayoutAddress, now: Date) {
  return {
    id: a.id,
    address: a.address,
    type: a.addressType,
    network: a.network,
    label: a.label,
    createdAt: a.createdAt.toISOString(),
    usableFrom: a.usableFrom.toISOString(),
    usable: a.removedAt === null && a.usableFrom.getTime() <= now.getTime(),
    removedAt: a.removedAt?.toISOString() ?? null,
  };
}

export function withdrawalView(w: WithdrawalRecord, now: Date, accountLockedUntil: Date | null) {
  const waiting = waitingFor(
    { status: w.status, requiresSecondApproval: w.requiresSecondApproval, firstApproverId: w.firstApproverId, accountLockedUntil },
    now,
  );
  return {
    id: w.id,
    status: w.status,
    waitingFor: waiting,
    waitingUntil: waiting === 'account_time_lock' ? (accountLockedUntil?.toISOString() ?? null) : null,
    addressId: w.addressId,
    address: w.address,
    amount: formatBtc(w.amountSats),
    amountSats: w.amountSats.toString(),
    networkFee: formatBtc(w.feeSats),
    networkFeeSats: w.feeSats.toString(),
    netAmount: formatBtc(w.netSats),
    netSats: w.netSats.toString(),
    source: w.source,
    autoDay: w.autoDay,
    approvals: { required: w.requiresSecondApproval ? 2 : 1, given: (w.firstApproverId ? 1 : 0) + (w.secondApproverId ? 1 : 0) },
    rejectReason: w.rejectReason,
    batchId: w.batchId,
    txid: w.txid,
    requestedAt: w.requestedAt.toISOString(),
    statusChangedAt: w.statusChangedAt.toISOString(),
  };
}

/** Finance also sees who asked and who approved or rejected. */
export function financeWithdrawalView(w: WithdrawalRecord, now: Date) {
  return {
    ...withdrawalView(w, now, null),
    userId: w.userId,
    firstApproverId: w.firstApproverId,
    secondApproverId: w.secondApproverId,
    approvedAt: w.approvedAt?.toISOString() ?? null,
    rejectedBy: w.rejectedBy,
  };
}

export function batchView(b: BatchRecord) {
  return {
    id: b.id,
    status: b.status,
    withdrawalCount: b.withdrawalCount,
    totalNet: formatBtc(b.totalNetSats),
    totalNetSats: b.totalNetSats.toString(),
    totalAmountSats: b.totalAmountSats.toString(),
    txid: b.txid,
    createdBy: b.createdBy,
    createdAt: b.createdAt.toISOString(),
    broadcastBy: b.broadcastBy,
    broadcastAt: b.broadcastAt?.toISOString() ?? null,
    resolvedBy: b.resolvedBy,
    resolvedAt: b.resolvedAt?.toISOString() ?? null,
    failReason: b.failReason,
  };
}

export function batchItemView(i: BatchItemRecord) {
  return {
    withdrawalId: i.withdrawalId,
    userId: i.userId,
    address: i.address,
    netSats: i.netSats.toString(),
    amountSats: i.amountSats.toString(),
    released: i.releasedAt !== null,
  };
}

export function autoPayoutView(s: AutoPayoutSettingRecord, now: Date) {
  return {
    addressId: s.addressId,
    address: s.address,
    threshold: formatBtc(s.thresholdSats),
    thresholdSats: s.thresholdSats.toString(),
    active: s.usableFrom.getTime() <= now.getTime(),
    activeFrom: s.usableFrom.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
