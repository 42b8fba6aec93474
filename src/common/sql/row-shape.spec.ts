import { columnsOfShape, mapShape } from './row-shape.js';

const SHAPE = { poolId: 'text', day: 'day', netSats: 'bigint', contracts: 'int', since: 'day?', hashrates: 'text[]?' } as const;

describe('row shapes', () => {
  it('maps a raw row to the shape\'s types: bigint sums from text, counts as numbers, nulls where allowed', () => {
    const raw = { poolId: 'p', day: '2025-07-12', netSats: '9007199254740993', contracts: '3', since: null, hashrates: ['1000', 2000], extra: 1 };

    const row = mapShape(SHAPE, raw);

    expect(row).toEqual({ poolId: 'p', day: '2025-07-12', netSats: 9007199254740993n, contracts: 3, since: null, hashrates: ['1000', '2000'] });
  });

  it('refuses a null in a field that may not be null', () => {
    expect(() => mapShape(SHAPE, { poolId: 'p', day: '2025-07-12', netSats: null, contracts: 1, since: null, hashrates: null })).toThrow(/bigint field is null/);
  });

  it('selects a table\'s columns as the shape\'s fields in snake case, days as text', () => {
    expect(columnsOfShape({ poolId: 'text', day: 'day', netSats: 'bigint' }, 's')).toBe(`s."pool_id" AS "poolId", s."day"::text AS "day", s."net_sats" AS "netSats"`);
  });
});
