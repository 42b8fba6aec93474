import type { DataSource } from 'typeorm';

export interface HeldAdvisoryLock {
  /** Unlocks on the connection that holds the lock, then gives that connection back to the pool. */
  release: () => Promise<void>;
}

/**
 * Tries a session-level advisory lock on a connection of its own, held until `release()`.
 * A session lock belongs to the connection that took it: taken and released through
 * `dataSource.query` (two pooled connections, not one), the unlock fails with "you don't own a
 * lock" and the lock stays on an idle pooled connection until the pool closes it. Held here on
 * one query runner, no transaction stays open meanwhile (a transaction-scoped lock would need
 * one, idle for as long as the caller works elsewhere). The lock never goes back to the pool:
 * the runner is released only after the unlock, and an unlock that cannot run means the
 * connection is broken, so its session, and the lock with it, is gone.
 * Returns null when another session holds the lock.
 */
export async function tryAdvisoryLock(dataSource: DataSource, name: string): Promise<HeldAdvisoryLock | null> {
  const runner = dataSource.createQueryRunner();
  let held = false;
  try {
    const rows = (await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS ok`, [name])) as { ok: boolean }[];
    held = rows[0]?.ok === true;
  } finally {
    if (!held) await runner.release();
  }
  if (!held) return null;
  return {
    release: async () => {
      // Released already: its connection broke (TypeORM lets such a runner go), and the
      // session, with the lock, is gone.
      if (runner.isReleased) return;
      try {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [name]);
      } finally {
        await runner.release();
      }
    },
  };
}
