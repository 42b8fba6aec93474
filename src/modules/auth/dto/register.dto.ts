import { IsOptional } from 'class-validator';
import { DisplayNameField, EmailField, NewPasswordField } from './fields.js';

export class RegisterDto {
  @EmailField()
  email: string;

  @NewPasswordField()
  password: string;

  @IsOptional()
  @DisplayNameField(false)
  displayName?: string;
}
