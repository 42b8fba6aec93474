import { FixedClock } from '../../common/clock/clock.js';
import type { AppConfig } from '../../config/config.schema.js';
import { InsufficientBalanceError } from './ledger.errors.js';
import { LedgerGroupCommit } from './ledger-group-commit.js';
import type { LedgerRepository, PostedRow, SqlActor, SqlEntry } from './ledger.repository.js';

const SYSTEM: SqlActor = { actorId: null, actorRole: 'system' };
const FINANCE: SqlActor = { actorId: '00000000-0000-4000-8000-000000000001', actorRole: 'finance' };

const entry = (key: string): SqlEntry => ({ type: 't', idempotencyKey: key, reference: null, requestHash: key, lines: [] });

/** A repository that records every statement; entries whose key starts with "bad" are refused. */
function fakeRepository(
  failWith: (keys: string[]) => Error | undefined = (keys) => (keys.some((k) => k.startsWith('bad')) ? new InsufficientBalanceError({}) : undefined),
) {
  const statements: { kind: 'single' | 'bulk'; actor: SqlActor; keys: string[] }[] = [];
  let id = 0;
  const row = (): PostedRow => ({ entryId: String(++id), replayed: false, postedAt: new Date(0), accountIds: [] });
  const settle = async <T>(keys: string[], value: () => T): Promise<T> => {
    await new Promise((resolve) => setImmediate(resolve));
    const error = failWith(keys);
    if (error) throw error;
    return value();
  };
  const repository = {
    postEntry: (actor: SqlActor, e: SqlEntry) => {
      statements.push({ kind: 'single', actor, keys: [e.idempotencyKey] });
      return settle([e.idempotencyKey], row);
    },
    postEntries: (actor: SqlActor, entries: SqlEntry[]) => {
      const keys = entries.map((e) => e.idempotencyKey);
      statements.push({ kind: 'bulk', actor, keys });
      return settle(keys, () => entries.map(row));
    },
    findPostedAt: () => Promise.resolve(new Map()),
  };
  return { repository: repository as unknown as LedgerRepository, statements };
}

const config = (maxEntries = 64, connections = 2) =>
  ({ LEDGER_GROUP_COMMIT_MAX_ENTRIES: maxEntries, LEDGER_GROUP_COMMIT_CONNECTIONS: connections }) as AppConfig;

describe('LedgerGroupCommit', () => {
  it('sends a lone entry as a single statement', async () => {
    const { repository, statements } = fakeRepository();
    await new LedgerGroupCommit(repository, new FixedClock(new Date(0)), config()).post(SYSTEM, entry('a'));
    expect(statements).toEqual([{ kind: 'single', actor: SYSTEM, keys: ['a'] }]);
  });

  it('groups what arrives while the connections are busy, never mixing actors or repeating a key', async () => {
    const { repository, statements } = fakeRepository();
    const commit = new LedgerGroupCommit(repository, new FixedClock(new Date(0)), config(64, 2));
    const posts = [
      commit.post(SYSTEM, entry('k1')),
      commit.post(SYSTEM, entry('k2')),
      ...['k3', 'k4', 'k3', 'k5'].map((k) => commit.post(SYSTEM, entry(k))),
      commit.post(FINANCE, entry('f1')),
      commit.post(SYSTEM, entry('k6')),
    ];
    await Promise.all(posts);
    // Two connections: k1 and k2 go alone; the rest waits and forms groups per actor, the
    // repeated k3 in a later group than the first.
    expect(statements[0].keys).toEqual(['k1']);
    expect(statements[1].keys).toEqual(['k2']);
    for (const s of statements) {
      expect(new Set(s.keys).size).toBe(s.keys.length);
      expect(s.keys.every((k) => k.startsWith('f') === (s.actor === FINANCE))).toBe(true);
    }
    expect(statements.find((s) => s.keys.includes('k4'))!.keys).toEqual(['k3', 'k4', 'k5', 'k6']);
    expect(statements.flatMap((s) => s.keys).sort()).toEqual(['f1', 'k1', 'k2', 'k3', 'k3', 'k4', 'k5', 'k6']);
    expect(statements.length).toBeLessThan(8);
  });

  it('halves a refused group down to the culprit: only it fails, the others commit', async () => {
    const { repository, statements } = fakeRepository();
    const commit = new LedgerGroupCommit(repository, new FixedClock(new Date(0)), config(64, 1));
    const keys = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'bad', 'g7', 'g8'];
    const outcomes = await Promise.allSettled(keys.map((k) => commit.post(SYSTEM, entry(k))));
    expect(outcomes.map((o) => o.status)).toEqual(keys.map((k) => (k === 'bad' ? 'rejected' : 'fulfilled')));
    expect((outcomes[6] as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientBalanceError);
    // g0 alone, then [g1..g8] refused, halved: [g1..g4] commits, [g5,bad,g7,g8] -> [g5,bad] -> g5, bad; [g7,g8]
    expect(statements.map((s) => s.keys.join(','))).toEqual(['g0', 'g1,g2,g3,g4,g5,bad,g7,g8', 'g1,g2,g3,g4', 'g5,bad,g7,g8', 'g5,bad', 'g5', 'bad', 'g7,g8']);
  });

  it('fails the whole group at once on an error that is not one entry’s (no halving)', async () => {
    const down = new Error('connection refused');
    const { repository, statements } = fakeRepository(() => down);
    const commit = new LedgerGroupCommit(repository, new FixedClock(new Date(0)), config(64, 1));
    const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((k) => commit.post(SYSTEM, entry(k))));
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === down)).toBe(true);
    expect(statements.map((s) => s.keys.join(','))).toEqual(['a', 'b,c,d']);
  });

  it('commits each entry on its own when LEDGER_GROUP_COMMIT_MAX_ENTRIES is 1', async () => {
    const { repository, statements } = fakeRepository();
    const commit = new LedgerGroupCommit(repository, new FixedClock(new Date(0)), config(1, 1));
    await Promise.all(['a', 'b', 'c'].map((k) => commit.post(SYSTEM, entry(k))));
    expect(statements.map((s) => s.kind)).toEqual(['single', 'single', 'single']);
  });
});
