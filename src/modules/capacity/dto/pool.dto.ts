import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PAYOUT_SCHEMES, type PayoutScheme } from '../entities/pool.entity.js';
import { NAME_PATTERN } from './site.dto.js';

/** stratum+tcp://host:port (also stratum+ssl / stratum+tls / stratum2+tcp). */
export const STRATUM_ENDPOINT = /^stratum2?\+(tcp|ssl|tls):\/\/[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*:[0-9]{1,5}$/;
export const STRATUM_MESSAGE = 'stratumEndpoint must look like stratum+tcp://host:port';

export class CreatePoolDto {
  @ApiProperty({ example: 'Foundry main' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name: string;

  @ApiProperty({ example: 'stratum+tcp://btc.pool.example:3333' })
  @IsString()
  @Length(1, 255)
  @Matches(STRATUM_ENDPOINT, { message: STRATUM_MESSAGE })
  stratumEndpoint: string;

  @ApiProperty({ enum: PAYOUT_SCHEMES })
  @IsIn(PAYOUT_SCHEMES)
  payoutScheme: PayoutScheme;

  @ApiProperty({ example: 200, description: 'Pool fee in basis points (0-10000)' })
  @IsInt()
  @Min(0)
  @Max(10000)
  feeBps: number;

  @ApiProperty({ example: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', description: 'Bitcoin address on the configured network' })
  @IsString()
  @Length(1, 100)
  payoutAddress: string;
}

/** payoutAddress and stratumEndpoint are accepted only to answer with a clear 409: they change through routing change requests. */
export class UpdatePoolDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name?: string;

  @ApiPropertyOptional({ enum: PAYOUT_SCHEMES })
  @IsOptional()
  @IsIn(PAYOUT_SCHEMES)
  payoutScheme?: PayoutScheme;

  @ApiPropertyOptional({ example: 200 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10000)
  feeBps?: number;

  @ApiPropertyOptional({ description: 'Refused here (409): use POST /v1/routing-changes' })
  @IsOptional()
  @IsString()
  payoutAddress?: string;

  @ApiPropertyOptional({ description: 'Refused here (409): use POST /v1/routing-changes' })
  @IsOptional()
  @IsString()
  stratumEndpoint?: string;
}
