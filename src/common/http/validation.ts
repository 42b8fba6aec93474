import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? `${field}${message.slice(error.property.length)}` : `${field}: ${message}`,
    );
    return [...own, ...describe(error.children ?? [], field)];
  });
}

/**
 * Global validation: unknown fields are rejected, types are checked, and every message
 * starts with the field it is about ("amount must be a decimal string").
 */
export function buildValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const messages = describe(errors);
      return new BadRequestException({ code: 'VALIDATION.FAILED', message: messages });
    },
  });
}
