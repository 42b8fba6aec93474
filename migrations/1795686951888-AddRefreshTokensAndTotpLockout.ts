import { MigrationInterface, QueryRunner } from "typeorm";

export class AddRefreshTokensAndTotpLockout1795686951888 implements MigrationInterface {
    name = 'AddRefreshTokensAndTotpLockout1795686951888'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "refresh_tokens" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "family_id" uuid NOT NULL,
                "token_hash" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "rotated_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                "revoked_reason" text,
                CONSTRAINT "ck_refresh_tokens_expiry" CHECK (expires_at > created_at),
                CONSTRAINT "ck_refresh_tokens_token_hash" CHECK (token_hash ~ '^[0-9a-f]{64}$'),
                CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_refresh_tokens_expires_at" ON "refresh_tokens" ("expires_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_refresh_tokens_user" ON "refresh_tokens" ("user_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_refresh_tokens_family" ON "refresh_tokens" ("family_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_refresh_tokens_token_hash" ON "refresh_tokens" ("token_hash")
        `);
        await queryRunner.query(`
            ALTER TABLE "users"
            ADD "totp_failed_attempts" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "users"
            ADD "totp_locked_until" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "users"
            ADD CONSTRAINT "ck_users_totp_failed_attempts" CHECK (totp_failed_attempts >= 0)
        `);
        await queryRunner.query(`
            ALTER TABLE "refresh_tokens"
            ADD CONSTRAINT "fk_refresh_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "refresh_tokens" DROP CONSTRAINT "fk_refresh_tokens_user"
        `);
        await queryRunner.query(`
            ALTER TABLE "users" DROP CONSTRAINT "ck_users_totp_failed_attempts"
        `);
        await queryRunner.query(`
            ALTER TABLE "users" DROP COLUMN "totp_locked_until"
        `);
        await queryRunner.query(`
            ALTER TABLE "users" DROP COLUMN "totp_failed_attempts"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_refresh_tokens_token_hash"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_refresh_tokens_family"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_refresh_tokens_user"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_refresh_tokens_expires_at"
        `);
        await queryRunner.query(`
            DROP TABLE "refresh_tokens"
        `);
    }

}
