import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { TotpCodeDto } from './totp-code.dto.js';

export class AddPayoutAddressDto extends TotpCodeDto {
  @ApiProperty({ example: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', description: 'P2PKH, P2SH, P2WPKH, P2WSH or P2TR address of the configured network' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  address: string;

  @ApiPropertyOptional({ example: 'cold storage' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  label?: string;
}
