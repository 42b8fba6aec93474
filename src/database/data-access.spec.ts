import { columnsOfShape, field, rowShape } from './data-access.js';

describe('rowShape', () => {
  it('reads bigint money exactly, counts as numbers and the rest as pg returns it', () => {
    const shape = rowShape({ poolId: field.as<string>(), onlineGhs: field.bigint, paidSats: field.bigintOrNull, contracts: field.count });
    const [row] = shape.map([{ poolId: 'p', onlineGhs: '9007199254740993', paidSats: null, contracts: '3', extra: 'ignored' }]);
    expect(row).toEqual({ poolId: 'p', onlineGhs: 9007199254740993n, paidSats: null, contracts: 3 });
  });

  const SHAPE = rowShape({
    poolId: field.text,
    day: field.day,
    netSats: field.bigint,
    contracts: field.int,
    since: field.dayOrNull,
    hashrates: field.textArrayOrNull,
  });

  it('maps days and text arrays as text, ints from text, nulls where allowed', () => {
    const raw = { poolId: 'p', day: '2025-07-12', netSats: '9007199254740993', contracts: '3', since: null, hashrates: ['1000', 2000], extra: 1 };

    const [row] = SHAPE.map([raw]);

    expect(row).toEqual({ poolId: 'p', day: '2025-07-12', netSats: 9007199254740993n, contracts: 3, since: null, hashrates: ['1000', '2000'] });
  });

  it('refuses a null in a field that may not be null', () => {
    expect(() => SHAPE.map([{ poolId: 'p', day: '2025-07-12', netSats: null, contracts: 1, since: null, hashrates: null }])).toThrow(/bigint field is null/);
  });

  it("selects a table's columns as the shape's keys in snake case, days as text", () => {
    const shape = rowShape({ poolId: field.text, day: field.day, netSats: field.bigint });
    expect(columnsOfShape(shape, 's')).toBe(`s."pool_id" AS "poolId", s."day"::text AS "day", s."net_sats" AS "netSats"`);
  });
});
