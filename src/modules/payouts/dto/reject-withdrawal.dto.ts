import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** A reason is required: the customer is told why their funds came back. */
export class ReasonDto {
  @ApiProperty({ example: 'address flagged by compliance' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}
