import { purchasePrice } from '../../contracts/purchase/purchase-rules.js';
import { productCatalogue } from '../world/world-spec.js';
import { peakDemandThs, planCustomers, signupWindow } from './plan.js';

describe('planCustomers', () => {
  const catalogue = productCatalogue();
  const plan = planCustomers({ customers: 500, days: 120, seed: 3, emailDomain: 'sim.test' }, catalogue);

  it('is deterministic for a seed', () => {
    expect(planCustomers({ customers: 500, days: 120, seed: 3, emailDomain: 'sim.test' }, catalogue)).toEqual(plan);
    expect(planCustomers({ customers: 500, days: 120, seed: 4, emailDomain: 'sim.test' }, catalogue)).not.toEqual(plan);
  });

  it('signs customers up over the window and buys before the last day, within product limits', () => {
    expect(signupWindow(120)).toBe(28);
    expect(signupWindow(10)).toBe(3);
    for (const c of plan) {
      expect(c.signupOffset).toBeGreaterThanOrEqual(0);
      expect(c.signupOffset).toBeLessThan(28);
      expect(c.purchases[0].offset).toBe(c.signupOffset);
      for (const p of c.purchases) {
        expect(p.offset).toBeLessThan(119);
        expect(p.hashrateGhs).toBeGreaterThanOrEqual(1000n);
        expect(p.hashrateGhs).toBeLessThanOrEqual(1_000_000n);
        expect(p.hashrateGhs % 500n).toBe(0n);
      }
    }
    expect(new Set(plan.flatMap((c) => c.purchases.map((p) => p.key))).size).toBe(plan.reduce((n, c) => n + c.purchases.length, 0));
  });

  it('deposits at least the price of what is bought, before it is bought', () => {
    for (const c of plan) {
      let balance = 0n;
      const events = [
        ...c.deposits.map((d) => ({ offset: d.offset, order: 0, amount: d.microUsd })),
        ...c.purchases.map((p) => ({
          offset: p.offset,
          order: 1,
          amount: -purchasePrice(
            catalogue.find((x) => x.key === p.productKey)!,
            p.hashrateGhs,
          ),
        })),
      ];
      for (const e of events.sort((a, b) => a.offset - b.offset || a.order - b.order)) {
        balance += e.amount;
        expect(balance).toBeGreaterThanOrEqual(0n);
      }
    }
  });

  it('gives about 3% automatic payouts with at least 20 TH/s, and sizes demand from overlapping contracts', () => {
    const auto = plan.filter((c) => c.autoPayout);
    // Every 33rd customer (1 / 3%, rounded): 500 / 33 = 15.
    expect(auto.map((c) => c.index)).toEqual(Array.from({ length: 15 }, (_, i) => 33 * (i + 1)));
    for (const c of auto) for (const p of c.purchases) expect(p.hashrateGhs).toBeGreaterThanOrEqual(20_000n);
    const peaks = peakDemandThs(plan, catalogue, 120);
    for (const c of catalogue) {
      const all = plan.flatMap((x) => x.purchases.filter((p) => p.productKey === c.key)).reduce((s, p) => s + p.hashrateGhs, 0n);
      expect(peaks[c.key]).toBeGreaterThan(0);
      expect(BigInt(peaks[c.key])).toBeLessThanOrEqual(all / 1000n + 1n);
    }
  });
});
