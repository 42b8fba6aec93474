import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';

const trim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** An email address, trimmed; stored lower-cased. */
export const EmailField = () =>
  applyDecorators(
    ApiProperty({ example: 'satoshi@example.com', maxLength: 254 }),
    trim,
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: 'email must be an email address' }),
  );

/** A new password: long enough to resist guessing, short enough not to be a hashing DoS. */
export const NewPasswordField = (name = 'password') =>
  applyDecorators(
    ApiProperty({ minLength: 12, maxLength: 128, example: 'correct horse battery staple' }),
    IsString(),
    Length(12, 128, { message: `${name} must be between 12 and 128 characters` }),
  );

/** A password being checked (any length that could have been set). */
export const PasswordField = () => applyDecorators(ApiProperty({ maxLength: 128 }), IsString(), Length(1, 128));

/** A 6-digit authenticator code. */
export const TotpCodeField = (name: string, required: boolean) =>
  applyDecorators(ApiProperty({ example: '123456', pattern: '^\\d{6}$', required }), IsString(), Matches(/^\d{6}$/, { message: `${name} must be 6 digits` }));

/** A display name: 1 to 100 printable characters, trimmed. */
export const DisplayNameField = (required: boolean) =>
  applyDecorators(
    ApiProperty({ example: 'Satoshi', minLength: 1, maxLength: 100, required }),
    trim,
    IsString(),
    Length(1, 100, { message: 'displayName must be between 1 and 100 characters' }),
    // eslint-disable-next-line no-control-regex
    Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'displayName must not contain control characters' }),
  );
