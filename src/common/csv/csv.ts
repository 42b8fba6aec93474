import { BadRequestException } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export const MAX_IMPORT_ROWS = 10_000;

/**
 * Parses a CSV body (header row with the JSON field names) into validated DTOs. Any bad line is
 * a 400 naming the line and the field, before anything is written.
 */
export async function parseCsvRows<T extends object>(
  body: unknown,
  dto: ClassConstructor<T>,
  convert: (row: Record<string, string>) => Record<string, unknown> = (r) => r,
): Promise<T[]> {
  if (typeof body !== 'string' || body.trim().length === 0)
    throw new BadRequestException({ code: 'VALIDATION.FAILED', message: 'body must be CSV text (Content-Type: text/csv) with a header row' });
  let records: Record<string, string>[];
  try {
    records = parse<Record<string, string>>(body, { columns: true, trim: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    throw new BadRequestException({ code: 'VALIDATION.FAILED', message: `body is not valid CSV: ${(error as Error).message}` });
  }
  if (records.length === 0) throw new BadRequestException({ code: 'VALIDATION.FAILED', message: 'body has no data rows' });
  if (records.length > MAX_IMPORT_ROWS) throw new BadRequestException({ code: 'VALIDATION.FAILED', message: `body has more than ${MAX_IMPORT_ROWS} rows` });
  const out: T[] = [];
  for (const [i, record] of records.entries()) {
    const instance = plainToInstance(dto, convert(record));
    const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) {
      const first = errors[0];
      const message = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
      throw new BadRequestException({
        code: 'VALIDATION.FAILED',
        message: `line ${i + 2}: ${message.startsWith(first.property) ? message : `${first.property} ${message}`}`,
      });
    }
    out.push(instance);
  }
  return out;
}

export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  return stringify(rows, { header: true, columns });
}
