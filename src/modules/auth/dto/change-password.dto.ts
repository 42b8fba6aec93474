import { IsOptional } from 'class-validator';
import { NewPasswordField, PasswordField, TotpCodeField } from './fields.js';

export class ChangePasswordDto {
  @PasswordField()
  currentPassword: string;

  @NewPasswordField('newPassword')
  newPassword: string;

  /** Required when the account has TOTP enabled. */
  @IsOptional()
  @TotpCodeField('totpCode', false)
  totpCode?: string;
}
