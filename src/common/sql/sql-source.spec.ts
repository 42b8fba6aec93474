import { embed } from './sql-source.js';

describe('embedding a SqlSource', () => {
  it("renumbers the placeholders after the caller's own and appends the params", () => {
    const params: unknown[] = ['a', 'b'];
    const sql = embed({ sql: 'SELECT x FROM t WHERE p = $1 AND q = $2 AND r = $1 AND s = $10', params: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, params);
    expect(sql).toBe('SELECT x FROM t WHERE p = $3 AND q = $4 AND r = $3 AND s = $12');
    expect(params).toEqual(['a', 'b', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
