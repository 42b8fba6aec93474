import { MigrationInterface, QueryRunner } from "typeorm";

export class AddPayouts1795687498558 implements MigrationInterface {
    name = 'AddPayouts1795687498558'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "payout_addresses" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "address" text NOT NULL,
                "address_type" text NOT NULL,
                "network" text NOT NULL,
                "label" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "usable_from" TIMESTAMP WITH TIME ZONE NOT NULL,
                "removed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_payout_addresses_lock" CHECK (usable_from >= created_at),
                CONSTRAINT "ck_payout_addresses_network" CHECK (network IN ('mainnet', 'testnet', 'regtest')),
                CONSTRAINT "ck_payout_addresses_type" CHECK (
                    address_type IN ('p2pkh', 'p2sh', 'p2wpkh', 'p2wsh', 'p2tr')
                ),
                CONSTRAINT "PK_6ee67ff5c75065e4680b25119d3" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_payout_addresses_user" ON "payout_addresses" ("user_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payout_addresses_user_address_active" ON "payout_addresses" ("user_id", "address")
            WHERE removed_at IS NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "auto_payout_settings" (
                "user_id" uuid NOT NULL,
                "address_id" uuid NOT NULL,
                "threshold_sats" bigint NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_auto_payout_settings_threshold" CHECK (threshold_sats >= 546),
                CONSTRAINT "PK_c81500ecf1a9ec1a96f5709f888" PRIMARY KEY ("user_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_auto_payout_settings_address" ON "auto_payout_settings" ("address_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "payout_batches" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "status" text NOT NULL,
                "withdrawal_count" integer NOT NULL,
                "total_net_sats" bigint NOT NULL,
                "total_amount_sats" bigint NOT NULL,
                "txid" text,
                "created_by" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "broadcast_by" uuid,
                "broadcast_at" TIMESTAMP WITH TIME ZONE,
                "resolved_by" uuid,
                "resolved_at" TIMESTAMP WITH TIME ZONE,
                "fail_reason" text,
                CONSTRAINT "ck_payout_batches_totals" CHECK (
                    withdrawal_count > 0
                    AND total_net_sats > 0
                    AND total_amount_sats >= total_net_sats
                ),
                CONSTRAINT "ck_payout_batches_failed" CHECK (
                    status <> 'failed'
                    OR fail_reason IS NOT NULL
                ),
                CONSTRAINT "ck_payout_batches_broadcast" CHECK (
                    status NOT IN ('broadcast', 'confirmed')
                    OR txid IS NOT NULL
                ),
                CONSTRAINT "ck_payout_batches_txid" CHECK (
                    txid IS NULL
                    OR txid ~ '^[0-9a-f]{64}$'
                ),
                CONSTRAINT "ck_payout_batches_status" CHECK (
                    status IN ('exported', 'broadcast', 'confirmed', 'failed')
                ),
                CONSTRAINT "PK_aa57cb1e16d39cc0d41083145e4" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_payout_batches_status" ON "payout_batches" ("status", "created_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payout_batches_txid" ON "payout_batches" ("txid")
            WHERE txid IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "withdrawals" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "address_id" uuid NOT NULL,
                "address" text NOT NULL,
                "amount_sats" bigint NOT NULL,
                "fee_sats" bigint NOT NULL,
                "net_sats" bigint NOT NULL,
                "status" text NOT NULL,
                "source" text NOT NULL,
                "auto_day" date,
                "request_day" date NOT NULL,
                "idempotency_key" text,
                "request_hash" text,
                "requires_second_approval" boolean NOT NULL,
                "first_approver_id" uuid,
                "first_approved_at" TIMESTAMP WITH TIME ZONE,
                "second_approver_id" uuid,
                "approved_at" TIMESTAMP WITH TIME ZONE,
                "rejected_by" uuid,
                "reject_reason" text,
                "batch_id" uuid,
                "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "status_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_withdrawals_batched" CHECK (
                    status NOT IN ('batched', 'broadcast', 'confirmed')
                    OR batch_id IS NOT NULL
                ),
                CONSTRAINT "ck_withdrawals_rejected" CHECK (
                    status <> 'rejected'
                    OR (
                        rejected_by IS NOT NULL
                        AND reject_reason IS NOT NULL
                    )
                ),
                CONSTRAINT "ck_withdrawals_approved" CHECK (
                    status NOT IN ('approved', 'batched', 'broadcast', 'confirmed')
                    OR (
                        first_approver_id IS NOT NULL
                        AND (
                            NOT requires_second_approval
                            OR second_approver_id IS NOT NULL
                        )
                    )
                ),
                CONSTRAINT "ck_withdrawals_four_eyes" CHECK (
                    second_approver_id IS NULL
                    OR (
                        first_approver_id IS NOT NULL
                        AND second_approver_id <> first_approver_id
                    )
                ),
                CONSTRAINT "ck_withdrawals_amounts" CHECK (
                    fee_sats >= 0
                    AND net_sats >= 546
                    AND amount_sats = net_sats + fee_sats
                ),
                CONSTRAINT "ck_withdrawals_source" CHECK (
                    (source = 'auto') = (auto_day IS NOT NULL)
                    AND source IN ('manual', 'auto')
                ),
                CONSTRAINT "ck_withdrawals_status" CHECK (
                    status IN (
                        'requested',
                        'approved',
                        'batched',
                        'broadcast',
                        'confirmed',
                        'rejected',
                        'cancelled',
                        'failed'
                    )
                ),
                CONSTRAINT "PK_9871ec481baa7755f8bd8b7c7e9" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_withdrawals_batch" ON "withdrawals" ("batch_id")
            WHERE batch_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_withdrawals_status" ON "withdrawals" ("status", "requested_at", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_withdrawals_user" ON "withdrawals" ("user_id", "requested_at", "id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_withdrawals_auto_day" ON "withdrawals" ("user_id", "auto_day")
            WHERE auto_day IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_withdrawals_idempotency" ON "withdrawals" ("user_id", "idempotency_key")
            WHERE idempotency_key IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "payout_batch_items" (
                "batch_id" uuid NOT NULL,
                "withdrawal_id" uuid NOT NULL,
                "address" text NOT NULL,
                "net_sats" bigint NOT NULL,
                "released_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_216df10dfefeb481ee3571193f2" PRIMARY KEY ("batch_id", "withdrawal_id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payout_batch_items_live_withdrawal" ON "payout_batch_items" ("withdrawal_id")
            WHERE released_at IS NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "withdrawal_daily_usage" (
                "user_id" uuid NOT NULL,
                "day" date NOT NULL,
                "amount_sats" bigint NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_withdrawal_daily_usage_nonneg" CHECK (amount_sats >= 0),
                CONSTRAINT "PK_bba1a06b4c2b7846e20e9be06c5" PRIMARY KEY ("user_id", "day")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "auto_payout_settings"
            ADD CONSTRAINT "FK_50911e395aac77664ada347d14a" FOREIGN KEY ("address_id") REFERENCES "payout_addresses"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "withdrawals"
            ADD CONSTRAINT "FK_23c4041bd074dc9d988dc3a32f0" FOREIGN KEY ("address_id") REFERENCES "payout_addresses"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "withdrawals"
            ADD CONSTRAINT "FK_2a66a774e442239e19526b078fe" FOREIGN KEY ("batch_id") REFERENCES "payout_batches"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "payout_batch_items"
            ADD CONSTRAINT "FK_48d36963d1878f1b442eb04e5a3" FOREIGN KEY ("batch_id") REFERENCES "payout_batches"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "payout_batch_items"
            ADD CONSTRAINT "FK_2a37ee56ed578755f206f6081cc" FOREIGN KEY ("withdrawal_id") REFERENCES "withdrawals"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        // Hand-written (TypeORM cannot generate triggers): the withdrawal and batch state machines
        // (withdrawal-state.ts) are enforced here too, so no statement can skip or reverse a step,
        // the money facts of a withdrawal never change after the request, and nothing is deleted.
        await queryRunner.query(`
            CREATE FUNCTION payouts_withdrawal_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.user_id <> OLD.user_id OR NEW.address_id <> OLD.address_id OR NEW.address <> OLD.address
                   OR NEW.amount_sats <> OLD.amount_sats OR NEW.fee_sats <> OLD.fee_sats OR NEW.net_sats <> OLD.net_sats
                   OR NEW.source <> OLD.source OR NEW.auto_day IS DISTINCT FROM OLD.auto_day
                   OR NEW.request_day <> OLD.request_day OR NEW.requested_at <> OLD.requested_at THEN
                    RAISE EXCEPTION 'withdrawal %: the request itself cannot change', OLD.id USING ERRCODE = 'check_violation';
                END IF;
                IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
                       (OLD.status = 'requested' AND NEW.status IN ('approved', 'rejected', 'cancelled'))
                    OR (OLD.status = 'approved' AND NEW.status IN ('batched', 'rejected'))
                    OR (OLD.status = 'batched' AND NEW.status IN ('broadcast', 'failed'))
                    OR (OLD.status = 'broadcast' AND NEW.status IN ('confirmed', 'failed'))
                ) THEN
                    RAISE EXCEPTION 'withdrawal %: % -> % is not a valid transition', OLD.id, OLD.status, NEW.status
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER withdrawals_guard BEFORE UPDATE ON "withdrawals" FOR EACH ROW EXECUTE FUNCTION payouts_withdrawal_guard()
        `);
        await queryRunner.query(`
            CREATE FUNCTION payouts_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.total_net_sats <> OLD.total_net_sats OR NEW.total_amount_sats <> OLD.total_amount_sats
                   OR NEW.withdrawal_count <> OLD.withdrawal_count OR NEW.created_by <> OLD.created_by THEN
                    RAISE EXCEPTION 'payout batch %: its contents cannot change', OLD.id USING ERRCODE = 'check_violation';
                END IF;
                IF OLD.txid IS NOT NULL AND NEW.txid IS DISTINCT FROM OLD.txid THEN
                    RAISE EXCEPTION 'payout batch %: the recorded txid cannot change', OLD.id USING ERRCODE = 'check_violation';
                END IF;
                IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
                       (OLD.status = 'exported' AND NEW.status IN ('broadcast', 'failed'))
                    OR (OLD.status = 'broadcast' AND NEW.status IN ('confirmed', 'failed'))
                ) THEN
                    RAISE EXCEPTION 'payout batch %: % -> % is not a valid transition', OLD.id, OLD.status, NEW.status
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER payout_batches_guard BEFORE UPDATE ON "payout_batches" FOR EACH ROW EXECUTE FUNCTION payouts_batch_guard()
        `);
        // A batch item only ever gets released (once); what was exported is never rewritten.
        await queryRunner.query(`
            CREATE FUNCTION payouts_batch_item_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.batch_id <> OLD.batch_id OR NEW.withdrawal_id <> OLD.withdrawal_id OR NEW.address <> OLD.address
                   OR NEW.net_sats <> OLD.net_sats OR OLD.released_at IS NOT NULL THEN
                    RAISE EXCEPTION 'payout batch item %/%: only an unreleased item can be released', OLD.batch_id, OLD.withdrawal_id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER payout_batch_items_guard BEFORE UPDATE ON "payout_batch_items" FOR EACH ROW EXECUTE FUNCTION payouts_batch_item_guard()
        `);
        // A whitelisted address is never rewritten, only removed (soft) once.
        await queryRunner.query(`
            CREATE FUNCTION payouts_address_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.user_id <> OLD.user_id OR NEW.address <> OLD.address OR NEW.network <> OLD.network
                   OR NEW.usable_from <> OLD.usable_from OR NEW.created_at <> OLD.created_at OR OLD.removed_at IS NOT NULL THEN
                    RAISE EXCEPTION 'payout address %: only an active address can be removed, nothing else changes', OLD.id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER payout_addresses_guard BEFORE UPDATE ON "payout_addresses" FOR EACH ROW EXECUTE FUNCTION payouts_address_guard()
        `);
        for (const table of ['payout_addresses', 'withdrawals', 'payout_batches', 'payout_batch_items']) {
            await queryRunner.query(`CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION forbid_mutation()`);
            await queryRunner.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()`);
        }
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const table of ['payout_addresses', 'withdrawals', 'payout_batches', 'payout_batch_items']) {
            await queryRunner.query(`DROP TRIGGER ${table}_no_truncate ON "${table}"`);
            await queryRunner.query(`DROP TRIGGER ${table}_no_delete ON "${table}"`);
        }
        await queryRunner.query(`DROP TRIGGER payout_addresses_guard ON "payout_addresses"`);
        await queryRunner.query(`DROP FUNCTION payouts_address_guard()`);
        await queryRunner.query(`DROP TRIGGER payout_batch_items_guard ON "payout_batch_items"`);
        await queryRunner.query(`DROP FUNCTION payouts_batch_item_guard()`);
        await queryRunner.query(`DROP TRIGGER payout_batches_guard ON "payout_batches"`);
        await queryRunner.query(`DROP FUNCTION payouts_batch_guard()`);
        await queryRunner.query(`DROP TRIGGER withdrawals_guard ON "withdrawals"`);
        await queryRunner.query(`DROP FUNCTION payouts_withdrawal_guard()`);
        await queryRunner.query(`
            ALTER TABLE "payout_batch_items" DROP CONSTRAINT "FK_2a37ee56ed578755f206f6081cc"
        `);
        await queryRunner.query(`
            ALTER TABLE "payout_batch_items" DROP CONSTRAINT "FK_48d36963d1878f1b442eb04e5a3"
        `);
        await queryRunner.query(`
            ALTER TABLE "withdrawals" DROP CONSTRAINT "FK_2a66a774e442239e19526b078fe"
        `);
        await queryRunner.query(`
            ALTER TABLE "withdrawals" DROP CONSTRAINT "FK_23c4041bd074dc9d988dc3a32f0"
        `);
        await queryRunner.query(`
            ALTER TABLE "auto_payout_settings" DROP CONSTRAINT "FK_50911e395aac77664ada347d14a"
        `);
        await queryRunner.query(`
            DROP TABLE "withdrawal_daily_usage"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_payout_batch_items_live_withdrawal"
        `);
        await queryRunner.query(`
            DROP TABLE "payout_batch_items"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_withdrawals_idempotency"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_withdrawals_auto_day"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_withdrawals_user"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_withdrawals_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_withdrawals_batch"
        `);
        await queryRunner.query(`
            DROP TABLE "withdrawals"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_payout_batches_txid"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_payout_batches_status"
        `);
        await queryRunner.query(`
            DROP TABLE "payout_batches"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_auto_payout_settings_address"
        `);
        await queryRunner.query(`
            DROP TABLE "auto_payout_settings"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_payout_addresses_user_address_active"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_payout_addresses_user"
        `);
        await queryRunner.query(`
            DROP TABLE "payout_addresses"
        `);
    }

}
