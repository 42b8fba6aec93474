import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * contracts.arrears_micro_usd was a copy of settlement's carried arrears
 * (contract_settlement_states.arrears_micro_usd) that nothing read: settlement decides pauses
 * and collections from its own table, and the customer's view reads it from there.
 */
export class DropContractsArrearsCopy1796162279558 implements MigrationInterface {
    name = 'DropContractsArrearsCopy1796162279558'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP CONSTRAINT "ck_contracts_arrears"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP COLUMN "arrears_micro_usd"
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD "arrears_micro_usd" bigint NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "ck_contracts_arrears" CHECK ((arrears_micro_usd >= 0))
        `);
    }

}
