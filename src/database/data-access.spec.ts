import { field, rowShape } from './data-access.js';

describe('rowShape', () => {
  it('reads bigint money exactly, counts as numbers and the rest as pg returns it', () => {
    const shape = rowShape({ poolId: field.as<string>(), onlineGhs: field.bigint, paidSats: field.bigintOrNull, contracts: field.count });
    const [row] = shape.map([{ poolId: 'p', onlineGhs: '9007199254740993', paidSats: null, contracts: '3', extra: 'ignored' }]);
    expect(row).toEqual({ poolId: 'p', onlineGhs: 9007199254740993n, paidSats: null, contracts: 3 });
  });
});
