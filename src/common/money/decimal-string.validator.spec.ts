import { IsIn, validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { IsAmountString, IsDecimalString, IsThsString } from './decimal-string.validator.js';
import { CURRENCIES, type Currency } from './units.js';

class Order {
  @IsThsString()
  hashrateThs: string;

  @IsDecimalString({ places: 6, sign: 'any' })
  adjustmentUsd: string;

  @IsIn(CURRENCIES)
  currency: Currency;

  @IsAmountString('currency', { sign: 'positive' })
  amount: string;
}

function messages(body: Record<string, unknown>): string[] {
  return validateSync(plainToInstance(Order, body)).flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('decimal string validators', () => {
  const valid = { hashrateThs: '12.5', adjustmentUsd: '-1.25', currency: 'BTC', amount: '0.00000001' };

  it('accepts valid decimals', () => {
    expect(messages(valid)).toEqual([]);
  });

  it('names the field and the problem', () => {
    expect(messages({ ...valid, hashrateThs: '1.2345' })).toEqual(['hashrateThs must have at most 3 decimal places']);
    expect(messages({ ...valid, hashrateThs: '0' })).toEqual(['hashrateThs must be greater than zero']);
    expect(messages({ ...valid, adjustmentUsd: '1e3' })).toEqual(['adjustmentUsd must not use exponent notation']);
    expect(messages({ ...valid, amount: 12 })).toEqual(['amount must be a decimal string']);
  });

  it('takes the decimals of the sibling currency', () => {
    expect(messages({ ...valid, currency: 'USD', amount: '0.00000001' })).toEqual(['amount must have at most 6 decimal places']);
    expect(messages({ ...valid, currency: 'USD', amount: '0.000001' })).toEqual([]);
    expect(messages({ ...valid, currency: 'BTC', amount: '-1' })).toEqual(['amount must not be negative']);
  });
});
