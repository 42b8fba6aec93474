import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { LedgerInvariantError } from './ledger.errors.js';
import { runLedgerStatement } from './ledger-errors.translate.js';
import { LedgerRepository, type PostedRow, type SqlActor, type SqlEntry } from './ledger.repository.js';

interface Waiting {
  actor: SqlActor;
  actorKey: string;
  entry: SqlEntry;
  resolve: (row: PostedRow) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for entries posted outside a caller's transaction. Each commit costs a WAL
 * flush and a round trip whatever it carries, so under concurrency the entries that arrive
 * while earlier ones are being written go to the database together: one ledger_post_bulk
 * statement, one transaction, each entry still balanced, idempotent and checked by the same
 * triggers. A lone entry goes straight out as ledger_post, so nothing waits for a batch to fill.
 *
 * Every caller still gets its own outcome: when a grouped statement fails (one entry would
 * overdraw, one key conflicts), nothing of it was written; the group is halved and each half
 * written again, down to single entries, so only the culprit sees the error. At most
 * LEDGER_GROUP_COMMIT_CONNECTIONS groups are in flight; ledger_post_bulk locks a group's balance
 * rows in key order with one statement, so groups cannot deadlock each other.
 */
@Injectable()
export class LedgerGroupCommit {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly maxEntries: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly repository: LedgerRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxEntries = config.LEDGER_GROUP_COMMIT_MAX_ENTRIES;
    this.maxInFlight = config.LEDGER_GROUP_COMMIT_CONNECTIONS;
  }

  /** Posts one entry in its own autocommit statement or in a group; resolves once committed. */
  post(actor: SqlActor, entry: SqlEntry): Promise<PostedRow> {
    return new Promise<PostedRow>((resolve, reject) => {
      this.waiting.push({ actor, actorKey: `${actor.actorRole}:${actor.actorId ?? ''}`, entry, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const group = this.takeGroup();
      this.inFlight++;
      void this.write(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /**
   * The oldest waiting entry and the ones after it that can share its statement: same actor
   * (ledger_post_bulk records one per call) and an idempotency key not already in the group
   * (a repeated key waits for the next group, where it is a replay or a conflict).
   */
  private takeGroup(): Waiting[] {
    const first = this.waiting.shift()!;
    const group = [first];
    if (this.maxEntries <= 1) return group;
    const keys = new Set([first.entry.idempotencyKey]);
    for (let i = 0; i < this.waiting.length && group.length < this.maxEntries;) {
      const next = this.waiting[i];
      if (next.actorKey === first.actorKey && !keys.has(next.entry.idempotencyKey)) {
        keys.add(next.entry.idempotencyKey);
        group.push(next);
        this.waiting.splice(i, 1);
      } else {
        i++;
      }
    }
    return group;
  }

  private async write(group: Waiting[]): Promise<void> {
    if (group.length === 1) return this.writeAlone(group[0]);
    let rows: PostedRow[];
    try {
      rows = await runLedgerStatement(
        () =>
          this.repository.postEntries(
            group[0].actor,
            group.map((w) => w.entry),
            this.clock.now(),
          ),
        false,
      );
    } catch (error) {
      // Nothing of the group was written. An entry refused (or malformed) is one entry's
      // problem: halve the group and try again, one half after the other in this slot, down to
      // single entries, so the culprit ends up alone with its own error and the rest commits in
      // a few groups. Anything else (Postgres unreachable, retries exhausted) is everyone's.
      if (!(error instanceof DomainError) && !(error instanceof LedgerInvariantError)) {
        for (const w of group) w.reject(error);
        return;
      }
      const half = Math.ceil(group.length / 2);
      await this.write(group.slice(0, half));
      await this.write(group.slice(half));
      return;
    }
    rows.forEach((row, i) => !row.replayed && group[i].resolve(row));
    const replays = rows.flatMap((row, i) => (row.replayed ? [{ row, w: group[i] }] : []));
    if (replays.length === 0) return;
    // A replayed entry answers with the time it was first posted.
    try {
      const postedAt = await this.repository.findPostedAt(replays.map((r) => r.row.entryId));
      for (const { row, w } of replays) w.resolve({ ...row, postedAt: postedAt.get(row.entryId) ?? row.postedAt });
    } catch (error) {
      for (const { w } of replays) w.reject(error);
    }
  }

  private async writeAlone(w: Waiting): Promise<void> {
    try {
      w.resolve(await runLedgerStatement(() => this.repository.postEntry(w.actor, w.entry, this.clock.now()), false));
    } catch (error) {
      w.reject(error);
    }
  }
}
