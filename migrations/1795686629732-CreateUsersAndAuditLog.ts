import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateUsersAndAuditLog1795686629732 implements MigrationInterface {
    name = 'CreateUsersAndAuditLog1795686629732'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "audit_log" (
                "id" BIGSERIAL NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "actor_id" uuid,
                "actor_role" text NOT NULL,
                "action" text NOT NULL,
                "entity_type" text NOT NULL,
                "entity_id" text NOT NULL,
                "before" jsonb,
                "after" jsonb,
                "request_id" text,
                CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_audit_log_occurred_at" ON "audit_log" ("occurred_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_audit_log_entity" ON "audit_log" ("entity_type", "entity_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_audit_log_actor" ON "audit_log" ("actor_id", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "email" text NOT NULL,
                "password_hash" text NOT NULL,
                "role" text NOT NULL,
                "display_name" text,
                "status" text NOT NULL DEFAULT 'active',
                "totp_secret_enc" text,
                "totp_enabled_at" TIMESTAMP WITH TIME ZONE,
                "totp_last_step" bigint,
                "withdrawals_locked_until" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_users_status" CHECK (status IN ('active', 'disabled')),
                CONSTRAINT "ck_users_email_lower" CHECK (email = lower(email)),
                CONSTRAINT "ck_users_role" CHECK (
                    role IN ('customer', 'operator', 'finance', 'admin')
                ),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")
        `);
        // Hand-written (TypeORM cannot generate triggers): the audit log is append-only, so even
        // a stray SQL statement cannot rewrite history. forbid_mutation() is reused by the ledger.
        await queryRunner.query(`
            CREATE FUNCTION forbid_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON "audit_log"
                FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
        await queryRunner.query(`
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log"
                FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "audit_log_no_truncate" ON "audit_log"`);
        await queryRunner.query(`DROP TRIGGER "audit_log_append_only" ON "audit_log"`);
        await queryRunner.query(`DROP FUNCTION forbid_mutation()`);
        await queryRunner.query(`
            DROP INDEX "public"."uq_users_email"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_audit_log_actor"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_audit_log_entity"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_audit_log_occurred_at"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_log"
        `);
    }

}
