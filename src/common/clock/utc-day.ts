import { ValidateBy, type ValidationOptions } from 'class-validator';

const DAY = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** True for a real calendar day written 'YYYY-MM-DD' (2026-02-30 is refused). */
export function isUtcDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DAY.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value && Number(match[1]) >= 2009;
}

/** The UTC day of an instant, 'YYYY-MM-DD'. */
export function utcDayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** `day` plus `days` (may be negative), 'YYYY-MM-DD'. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return utcDayOf(date);
}

export function IsUtcDay(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUtcDay',
      validator: {
        validate: (value: unknown) => isUtcDay(value),
        defaultMessage: (args) => `${args?.property} must be a UTC day written YYYY-MM-DD`,
      },
    },
    validationOptions,
  );
}
