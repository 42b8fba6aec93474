import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';

/** PATCH /v1/me: what a user may change about themselves. */
export class UpdateProfileDto {
  @ApiProperty({ example: 'Satoshi', minLength: 1, maxLength: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 100, { message: 'displayName must be between 1 and 100 characters' })
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'displayName must not contain control characters' })
  displayName: string;
}
