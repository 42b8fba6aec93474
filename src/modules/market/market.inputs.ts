import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { IsUtcDay } from '../../common/clock/utc-day.js';
import { IsDecimalString } from '../../common/money/decimal-string.validator.js';

/*
 * What MarketService records, validated the same way whether it arrives as a JSON body or as a
 * CSV row. Public (not under dto/): the CSV imports elsewhere validate their rows against them.
 */

export class RecordPriceDto {
  @ApiProperty({ example: '2026-04-20', description: 'UTC day' })
  @IsUtcDay()
  day: string;

  @ApiProperty({ example: '65000.12', description: 'USD per BTC (up to 8 decimals)' })
  @IsDecimalString({ places: 8, sign: 'positive' })
  usdPerBtc: string;
}

export class RecordDifficultyDto {
  @ApiProperty({ example: '2026-04-20', description: 'UTC day' })
  @IsUtcDay()
  day: string;

  @ApiProperty({ example: '88104191118793.16', description: 'Network difficulty (up to 8 decimals)' })
  @IsDecimalString({ places: 8, sign: 'positive', int64: false })
  @Matches(/^[0-9]{1,30}(\.[0-9]+)?$/, { message: 'difficulty must have at most 30 integer digits' })
  difficulty: string;

  @ApiProperty({ example: '312500000', description: 'Block subsidy in sats (integer string)' })
  @IsDecimalString({ places: 0 })
  blockSubsidySats: string;

  @ApiProperty({ example: '15000000', description: 'Average fees per block in sats that day (integer string)' })
  @IsDecimalString({ places: 0 })
  avgFeesPerBlockSats: string;
}
