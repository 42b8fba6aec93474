import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/app/data-source-options.js';
import { TransactionRunner } from '../../src/database/transaction.js';
import { createTestDatabase } from '../support/test-database.js';

describe('transaction isolation', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let transactions: TransactionRunner;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A server whose default is stricter than what the code is written for.
    const admin = new DataSource({ ...buildDataSourceOptions(database.url, 1), entities: [], migrations: [] });
    await admin.initialize();
    await admin.query(`ALTER DATABASE "${database.name}" SET default_transaction_isolation = 'serializable'`);
    await admin.destroy();
    dataSource = new DataSource({ ...buildDataSourceOptions(database.url, 2), entities: [], migrations: [] });
    await dataSource.initialize();
    transactions = new TransactionRunner(dataSource);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const isolationInside = (options?: { isolation?: 'REPEATABLE READ' | 'SERIALIZABLE' }) =>
    transactions.run(async (m) => (await m.query('SHOW transaction_isolation'))[0].transaction_isolation as string, undefined, options);

  it('runs READ COMMITTED by default whatever the database default, without a SET per transaction', async () => {
    expect(await isolationInside()).toBe('read committed');
  });

  it('runs the level a caller asks for', async () => {
    expect(await isolationInside({ isolation: 'SERIALIZABLE' })).toBe('serializable');
    expect(await isolationInside({ isolation: 'REPEATABLE READ' })).toBe('repeatable read');
    expect(await isolationInside()).toBe('read committed');
  });
});
