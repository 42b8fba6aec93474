import { customerAccount, platformAccount } from './ledger.accounts.js';
import { entryRequestHash } from './ledger.hash.js';

describe('entryRequestHash', () => {
  const customer = '4b1e2f3a-1111-4222-8333-444455556666';
  const lines = [
    { account: customerAccount(customer, 'USD'), amount: 5n },
    { account: platformAccount('customer_deposits', 'USD'), amount: -5n },
  ];

  it('ignores line order and depends on every part of the content', () => {
    const base = entryRequestHash('deposit', 'REF', lines);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(entryRequestHash('deposit', 'REF', [...lines].reverse())).toBe(base);
    expect(entryRequestHash('deposit', 'REF2', lines)).not.toBe(base);
    expect(entryRequestHash('deposit', null, lines)).not.toBe(base);
    expect(entryRequestHash('deposit.other', 'REF', lines)).not.toBe(base);
    expect(
      entryRequestHash('deposit', 'REF', [
        { ...lines[0], amount: 6n },
        { ...lines[1], amount: -6n },
      ]),
    ).not.toBe(base);
    expect(entryRequestHash('deposit', 'REF', [{ ...lines[0], account: customerAccount(customer, 'USD', 'reserved') }, lines[1]])).not.toBe(base);
  });

  it('cannot be fooled by a reference that imitates the line encoding', () => {
    expect(entryRequestHash('x', 'a\nb', lines)).not.toBe(entryRequestHash('x', 'a', lines));
    expect(entryRequestHash('x', 'null', lines)).not.toBe(entryRequestHash('x', null, lines));
  });
});
