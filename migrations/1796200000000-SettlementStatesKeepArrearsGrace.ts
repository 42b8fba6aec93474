import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Settlement keeps what it needs about pauses in its own table: contract_settlement_states
 * gets the contract's arrears grace days (a term copied at purchase, never changed), so the
 * outcomes settlement hands the contracts module are computed from this table alone.
 * Backfilled from the contracts.
 */
export class SettlementStatesKeepArrearsGrace1796200000000 implements MigrationInterface {
    name = 'SettlementStatesKeepArrearsGrace1796200000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "contract_settlement_states"
            ADD "arrears_grace_days" integer
        `);
        await queryRunner.query(`
            UPDATE "contract_settlement_states" st
               SET "arrears_grace_days" = k."arrears_grace_days"
              FROM "contracts" k
             WHERE k."id" = st."contract_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_settlement_states"
            ALTER COLUMN "arrears_grace_days" SET NOT NULL
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "contract_settlement_states" DROP COLUMN "arrears_grace_days"
        `);
    }
}
