import { IsOptional } from 'class-validator';
import { EmailField, PasswordField, TotpCodeField } from './fields.js';

export class LoginDto {
  @EmailField()
  email: string;

  @PasswordField()
  password: string;

  /** Required when the account has TOTP enabled. */
  @IsOptional()
  @TotpCodeField('totpCode', false)
  totpCode?: string;
}
