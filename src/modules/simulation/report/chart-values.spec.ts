import { btcForChart, satsForChart, thsForChart, usdForChart } from './chart-values.js';

describe('chart values', () => {
  it('plots sats as BTC with the sign kept, also below one BTC', () => {
    expect(btcForChart(150_000_000n)).toBe(1.5);
    expect(btcForChart(-150_000_000n)).toBe(-1.5);
    expect(btcForChart(-50_000_000n)).toBe(-0.5);
    expect(btcForChart(-1n)).toBe(-0.00000001);
    expect(btcForChart(0n)).toBe(0);
  });

  it('plots sats, prices and hash rate as numbers, clamping what a float cannot hold exactly', () => {
    expect(satsForChart(57_123n)).toBe(57_123);
    expect(satsForChart(2n ** 60n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(usdForChart('67123.45')).toBe(67123.45);
    expect(thsForChart(1_500_999n)).toBe(1500);
  });
});
