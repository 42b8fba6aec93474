import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Settlement decides a day as of that day, and a failed run can be planned again:
 * - contracts.stopped_on: the first day a cancelled or terminated contract is not delivered
 *   (its refund's first day), backfilled from the day of its last status change;
 * - contract_settlements.attempt: the run attempt that wrote a row, in the primary key, so an
 *   attempt planned again writes its own rows beside the failed one's (rows stay append-only);
 * - settlement_run_states: the carried state a run leaves, applied when it completes;
 * - settlement_runs.credits_started_at, and at most one running run per pool.
 */
export class SettlementAsOfDayAndRunAttempts1796161239644 implements MigrationInterface {
    name = 'SettlementAsOfDayAndRunAttempts1796161239644'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "settlement_run_states" (
                "run_id" bigint NOT NULL,
                "contract_id" uuid NOT NULL,
                "customer_id" uuid NOT NULL,
                "arrears_micro_usd" bigint NOT NULL,
                "arrears_since" date,
                "undelivered_ghs_ppm_days" numeric(40, 0) NOT NULL,
                "extension_days" integer NOT NULL,
                CONSTRAINT "ck_settlement_run_states_since" CHECK (
                    (arrears_micro_usd = 0) = (arrears_since IS NULL)
                ),
                CONSTRAINT "ck_settlement_run_states_arrears" CHECK (arrears_micro_usd >= 0),
                CONSTRAINT "PK_ecfe92d2d5c36c65894f94b9391" PRIMARY KEY ("run_id", "contract_id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD "stopped_on" date
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_runs"
            ADD "credits_started_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_settlement_runs_running_pool" ON "settlement_runs" ("pool_id")
            WHERE status = 'running'
        `);
        await queryRunner.query(`
            UPDATE "contracts"
               SET stopped_on = greatest(start_day, (status_changed_at AT TIME ZONE 'UTC')::date)
             WHERE status IN ('cancelled', 'terminated')
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements"
            ADD "attempt" integer NOT NULL DEFAULT 1
        `);
        // Rows written before hold their run's attempt (a run could only be retried before its
        // first chunk); the one sanctioned rewrite of these append-only rows, in the migration.
        await queryRunner.query(`ALTER TABLE "contract_settlements" DISABLE TRIGGER "contract_settlements_append_only"`);
        await queryRunner.query(`
            UPDATE "contract_settlements" cs SET attempt = r.attempt
              FROM "settlement_runs" r
             WHERE r.pool_id = cs.pool_id AND r.day = cs.day AND r.seq = cs.seq AND r.attempt <> 1
        `);
        await queryRunner.query(`ALTER TABLE "contract_settlements" ENABLE TRIGGER "contract_settlements_append_only"`);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements" ALTER COLUMN "attempt" DROP DEFAULT
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements"
            ADD CONSTRAINT "ck_contract_settlements_attempt" CHECK (attempt >= 1)
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements" DROP CONSTRAINT "pk_contract_settlements"
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements"
            ADD CONSTRAINT "pk_contract_settlements" PRIMARY KEY ("day", "contract_id", "seq", "attempt")
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "ck_contracts_stopped_on" CHECK (
                    (status IN ('cancelled', 'terminated')) = (stopped_on IS NOT NULL)
                    AND (
                        stopped_on IS NULL
                        OR stopped_on >= start_day
                    )
                )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "contract_settlements" DROP CONSTRAINT "pk_contract_settlements"
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements"
            ADD CONSTRAINT "pk_contract_settlements" PRIMARY KEY ("day", "contract_id", "seq")
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements" DROP CONSTRAINT "ck_contract_settlements_attempt"
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlements" DROP COLUMN "attempt"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP CONSTRAINT "ck_contracts_stopped_on"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_settlement_runs_running_pool"
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_runs" DROP COLUMN "credits_started_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP COLUMN "stopped_on"
        `);
        await queryRunner.query(`
            DROP TABLE "settlement_run_states"
        `);
    }

}
