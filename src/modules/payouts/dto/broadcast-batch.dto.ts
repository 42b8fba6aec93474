import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class BroadcastBatchDto {
  @ApiProperty({ example: 'a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d', description: 'Transaction id the wallet broadcast' })
  @IsString()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'txid must be 64 hexadecimal characters' })
  txid: string;
}
