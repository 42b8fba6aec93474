import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/domain-error.js';

/** A route parameter that must be a UUID: anything else is a 400 naming it, never a database error. */
export const UuidParam = (name = 'id') => Param(name, new ParseUUIDPipe({ exceptionFactory: () => new ValidationFailedError(name, 'must be a UUID') }));
