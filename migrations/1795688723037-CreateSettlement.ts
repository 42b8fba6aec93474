import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateSettlement1795688723037 implements MigrationInterface {
    name = 'CreateSettlement1795688723037'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "contract_settlement_states" (
                "contract_id" uuid NOT NULL,
                "customer_id" uuid NOT NULL,
                "pool_id" uuid NOT NULL,
                "arrears_micro_usd" bigint NOT NULL DEFAULT '0',
                "arrears_since" date,
                "undelivered_ghs_ppm_days" numeric(40, 0) NOT NULL DEFAULT '0',
                "extension_days" integer NOT NULL DEFAULT '0',
                "last_day" date NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_contract_settlement_states_extension" CHECK (extension_days >= 0),
                CONSTRAINT "ck_contract_settlement_states_undelivered" CHECK (undelivered_ghs_ppm_days >= 0),
                CONSTRAINT "ck_contract_settlement_states_since" CHECK (
                    (arrears_micro_usd = 0) = (arrears_since IS NULL)
                ),
                CONSTRAINT "ck_contract_settlement_states_arrears" CHECK (arrears_micro_usd >= 0),
                CONSTRAINT "PK_570884b45b8bf0b1ba0a7d6fe79" PRIMARY KEY ("contract_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_contract_settlement_states_arrears" ON "contract_settlement_states" ("pool_id", "arrears_since")
            WHERE arrears_micro_usd > 0
        `);
        await queryRunner.query(`
            CREATE TABLE "pool_earnings" (
                "pool_id" uuid NOT NULL,
                "day" date NOT NULL,
                "amount_sats" bigint NOT NULL,
                "reference" text NOT NULL,
                "revision" integer NOT NULL DEFAULT '1',
                "recorded_by" uuid,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_pool_earnings_revision" CHECK (revision >= 1),
                CONSTRAINT "ck_pool_earnings_amount" CHECK (amount_sats >= 0),
                CONSTRAINT "PK_2c6f74ecdae6ee56bbf0a020582" PRIMARY KEY ("pool_id", "day")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "pool_payouts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "pool_id" uuid NOT NULL,
                "txid" text NOT NULL,
                "vout" integer NOT NULL,
                "amount_sats" bigint NOT NULL,
                "received_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "recorded_by" uuid,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_pool_payouts_txid" CHECK (txid ~ '^[0-9a-f]{64}$'),
                CONSTRAINT "ck_pool_payouts_vout" CHECK (vout >= 0),
                CONSTRAINT "ck_pool_payouts_amount" CHECK (amount_sats > 0),
                CONSTRAINT "PK_3787cf6a7104bfda5d5e3116383" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_pool_payouts_pool_received" ON "pool_payouts" ("pool_id", "received_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_pool_payouts_outpoint" ON "pool_payouts" ("txid", "vout")
        `);
        await queryRunner.query(`
            CREATE TABLE "settlement_chunks" (
                "run_id" bigint NOT NULL,
                "chunk_no" integer NOT NULL,
                "id_from" uuid NOT NULL,
                "id_to" uuid NOT NULL,
                "status" text NOT NULL DEFAULT 'pending',
                "contract_count" integer NOT NULL DEFAULT '0',
                "gross_sats" bigint NOT NULL DEFAULT '0',
                "net_sats" bigint NOT NULL DEFAULT '0',
                "totals" jsonb,
                "done_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_settlement_chunks_range" CHECK (id_from <= id_to),
                CONSTRAINT "ck_settlement_chunks_status" CHECK (status IN ('pending', 'done')),
                CONSTRAINT "PK_a1b61cd47a15bd2885242066cb9" PRIMARY KEY ("run_id", "chunk_no")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "settlement_days" (
                "day" date NOT NULL,
                "generation" integer NOT NULL DEFAULT '0',
                "runs_total" integer NOT NULL DEFAULT '0',
                "runs_completed" integer NOT NULL DEFAULT '0',
                "contracts" integer NOT NULL DEFAULT '0',
                "earnings_sats" bigint NOT NULL DEFAULT '0',
                "net_sats" bigint NOT NULL DEFAULT '0',
                "started_at" TIMESTAMP WITH TIME ZONE,
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "duration_ms" integer,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_43c384dcddfa589d1b275c3f969" PRIMARY KEY ("day")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "settlement_run_weights" (
                "run_id" bigint NOT NULL,
                "product_id" uuid NOT NULL,
                "hashrate_ghs" bigint NOT NULL,
                "base_sats" bigint NOT NULL,
                "plus_rule" smallint NOT NULL,
                "electricity_fee_micro_usd" bigint NOT NULL,
                "electricity_fee_sats" bigint NOT NULL,
                CONSTRAINT "ck_settlement_run_weights_non_negative" CHECK (
                    base_sats >= 0
                    AND electricity_fee_micro_usd >= 0
                    AND electricity_fee_sats >= 0
                ),
                CONSTRAINT "ck_settlement_run_weights_plus_rule" CHECK (plus_rule IN (0, 1, 2)),
                CONSTRAINT "PK_1a386134b483cb3bddd8fa11765" PRIMARY KEY ("run_id", "product_id", "hashrate_ghs")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "settlement_runs" (
                "id" BIGSERIAL NOT NULL,
                "pool_id" uuid NOT NULL,
                "day" date NOT NULL,
                "seq" smallint NOT NULL DEFAULT '0',
                "status" text NOT NULL,
                "attempt" integer NOT NULL DEFAULT '1',
                "generation" integer,
                "waiting_reason" text,
                "earnings_sats" bigint,
                "earnings_revision" integer,
                "btc_usd" numeric(24, 8),
                "sold_ghs" bigint,
                "online_ghs" bigint,
                "delivered_ghs" bigint,
                "ratio_ppm" integer,
                "house_weight" numeric(40, 0),
                "total_weight" numeric(40, 0),
                "leftover_sats" bigint,
                "threshold_rem" numeric(40, 0),
                "threshold_kind" smallint,
                "threshold_contract_id" uuid,
                "contract_count" integer NOT NULL DEFAULT '0',
                "chunk_count" integer NOT NULL DEFAULT '0',
                "chunks_done" integer NOT NULL DEFAULT '0',
                "house_planned_sats" bigint,
                "gross_sats" bigint NOT NULL DEFAULT '0',
                "house_sats" bigint NOT NULL DEFAULT '0',
                "electricity_fee_sats" bigint NOT NULL DEFAULT '0',
                "electricity_fee_micro_usd" bigint NOT NULL DEFAULT '0',
                "management_fee_sats" bigint NOT NULL DEFAULT '0',
                "arrears_collected_sats" bigint NOT NULL DEFAULT '0',
                "net_sats" bigint NOT NULL DEFAULT '0',
                "arrears_cleared_micro_usd" bigint NOT NULL DEFAULT '0',
                "arrears_added_micro_usd" bigint NOT NULL DEFAULT '0',
                "arrears_collected_usd_micro_usd" bigint NOT NULL DEFAULT '0',
                "paused_count" integer NOT NULL DEFAULT '0',
                "arrears_count" integer NOT NULL DEFAULT '0',
                "extended_count" integer NOT NULL DEFAULT '0',
                "error" text,
                "triggered_by" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "prepared_at" TIMESTAMP WITH TIME ZONE,
                "started_at" TIMESTAMP WITH TIME ZONE,
                "ledger_posted_at" TIMESTAMP WITH TIME ZONE,
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "duration_ms" integer,
                CONSTRAINT "ck_settlement_runs_prepared" CHECK (
                    status NOT IN ('running', 'completed')
                    OR prepared_at IS NOT NULL
                ),
                CONSTRAINT "ck_settlement_runs_seq" CHECK (seq >= 0),
                CONSTRAINT "ck_settlement_runs_status" CHECK (
                    status IN (
                        'waiting',
                        'overdue',
                        'pending',
                        'running',
                        'completed',
                        'failed'
                    )
                ),
                CONSTRAINT "PK_8f6ed8b9e1f399dd30ce2e39745" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_settlement_runs_day" ON "settlement_runs" ("day", "pool_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_settlement_runs_open" ON "settlement_runs" ("day")
            WHERE status <> 'completed'
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_settlement_runs_pool_day_seq" ON "settlement_runs" ("pool_id", "day", "seq")
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD "extension_days" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD "arrears_micro_usd" bigint NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "ck_contracts_arrears" CHECK (arrears_micro_usd >= 0)
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "ck_contracts_extension" CHECK (extension_days >= 0)
        `);
        // Hand-written: settlement extends contracts for under-delivery, so the end day is
        // start + term + extension - 1 (TypeORM does not see a changed check expression).
        await queryRunner.query(`ALTER TABLE "contracts" DROP CONSTRAINT "ck_contracts_days"`);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "ck_contracts_days" CHECK (end_day = start_day + term_days + extension_days - 1)
        `);
        // Hand-written (TypeORM cannot generate partitioned tables, so this table is no entity):
        // one settlement row per (contract, day, seq), partitioned by month; the scheduler creates
        // partitions ahead of time. Append-only like the ledger: a correction is an adjustment row.
        await queryRunner.query(`
            CREATE TABLE "contract_settlements" (
                "day" date NOT NULL,
                "contract_id" uuid NOT NULL,
                "seq" smallint NOT NULL,
                "pool_id" uuid NOT NULL,
                "customer_id" uuid NOT NULL,
                "hashrate_ghs" bigint NOT NULL,
                "ratio_ppm" integer NOT NULL,
                "gross_sats" bigint NOT NULL,
                "electricity_fee_micro_usd" bigint NOT NULL,
                "electricity_fee_sats" bigint NOT NULL,
                "management_fee_sats" bigint NOT NULL,
                "arrears_collected_sats" bigint NOT NULL,
                "arrears_cleared_micro_usd" bigint NOT NULL,
                "net_sats" bigint NOT NULL,
                "arrears_added_micro_usd" bigint NOT NULL,
                "flags" smallint NOT NULL,
                CONSTRAINT "pk_contract_settlements" PRIMARY KEY ("day", "contract_id", "seq"),
                CONSTRAINT "ck_contract_settlements_amounts" CHECK (
                    gross_sats >= 0 AND electricity_fee_micro_usd >= 0 AND electricity_fee_sats >= 0 AND management_fee_sats >= 0
                    AND arrears_collected_sats >= 0 AND arrears_cleared_micro_usd >= 0 AND net_sats >= 0 AND arrears_added_micro_usd >= 0
                ),
                CONSTRAINT "ck_contract_settlements_sum" CHECK (
                    net_sats + electricity_fee_sats + management_fee_sats + arrears_collected_sats = gross_sats
                ),
                CONSTRAINT "ck_contract_settlements_ratio" CHECK (ratio_ppm BETWEEN 0 AND 1000000)
            ) PARTITION BY RANGE ("day")
        `);
        await queryRunner.query(`
            CREATE TRIGGER contract_settlements_append_only BEFORE UPDATE OR DELETE ON "contract_settlements"
                FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "contract_settlements"`);
        await queryRunner.query(`ALTER TABLE "contracts" DROP CONSTRAINT "ck_contracts_days"`);
        await queryRunner.query(`ALTER TABLE "contracts" ADD CONSTRAINT "ck_contracts_days" CHECK (end_day = start_day + term_days - 1)`);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP CONSTRAINT "ck_contracts_extension"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP CONSTRAINT "ck_contracts_arrears"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP COLUMN "arrears_micro_usd"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP COLUMN "extension_days"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_settlement_runs_pool_day_seq"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_settlement_runs_open"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_settlement_runs_day"
        `);
        await queryRunner.query(`
            DROP TABLE "settlement_runs"
        `);
        await queryRunner.query(`
            DROP TABLE "settlement_run_weights"
        `);
        await queryRunner.query(`
            DROP TABLE "settlement_days"
        `);
        await queryRunner.query(`
            DROP TABLE "settlement_chunks"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_pool_payouts_outpoint"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_pool_payouts_pool_received"
        `);
        await queryRunner.query(`
            DROP TABLE "pool_payouts"
        `);
        await queryRunner.query(`
            DROP TABLE "pool_earnings"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_contract_settlement_states_arrears"
        `);
        await queryRunner.query(`
            DROP TABLE "contract_settlement_states"
        `);
    }

}
