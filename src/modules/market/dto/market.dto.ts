import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { IsDecimalString, IsIntegerString } from '../../capacity/units/decimal-units.js';
import { IsUtcDay } from '../../capacity/units/utc-day.js';

export class RecordPriceDto {
  @ApiProperty({ example: '2026-04-20', description: 'UTC day' })
  @IsUtcDay()
  day: string;

  @ApiProperty({ example: '65000.12', description: 'USD per BTC (up to 8 decimals)' })
  @IsDecimalString(8, { positive: true })
  usdPerBtc: string;
}

export class RecordDifficultyDto {
  @ApiProperty({ example: '2026-04-20', description: 'UTC day' })
  @IsUtcDay()
  day: string;

  @ApiProperty({ example: '88104191118793.16', description: 'Network difficulty (up to 8 decimals)' })
  @IsDecimalString(8, { positive: true, unbounded: true })
  @Matches(/^[0-9]{1,30}(\.[0-9]+)?$/, { message: 'difficulty must have at most 30 integer digits' })
  difficulty: string;

  @ApiProperty({ example: '312500000', description: 'Block subsidy in sats (integer string)' })
  @IsIntegerString()
  blockSubsidySats: string;

  @ApiProperty({ example: '15000000', description: 'Average fees per block in sats that day (integer string)' })
  @IsIntegerString()
  avgFeesPerBlockSats: string;
}
