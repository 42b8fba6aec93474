import { uuidRanges } from './settlement-ids.js';

describe('chunk ranges over the uuid space', () => {
  it('cover the whole space contiguously, without overlap', () => {
    const ranges = uuidRanges(7);
    expect(ranges[0].idFrom).toBe('00000000-0000-0000-0000-000000000000');
    expect(ranges[6].idTo).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    const big = (u: string) => BigInt(`0x${u.replaceAll('-', '')}`);
    for (let i = 1; i < ranges.length; i++) expect(big(ranges[i].idFrom)).toBe(big(ranges[i - 1].idTo) + 1n);
  });

  it('is one range for small pools', () => {
    expect(uuidRanges(0)).toEqual([{ idFrom: '00000000-0000-0000-0000-000000000000', idTo: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }]);
  });
});
