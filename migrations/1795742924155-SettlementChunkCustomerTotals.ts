import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Chunks become customer-id ranges, and a chunk keeps what each of its customers is owed
 * (net sats, change of USD arrears) in three parallel arrays written with its settlements.
 * The finalizer credits customers range by range from them instead of summing the day's
 * settlement rows again. Rows of chunks settled before this change have no arrays.
 */
export class SettlementChunkCustomerTotals1795742924155 implements MigrationInterface {
    name = 'SettlementChunkCustomerTotals1795742924155'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks"
            ADD "customer_ids" uuid array
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks"
            ADD "customer_net_sats" bigint array
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks"
            ADD "customer_arrears_delta_micro_usd" bigint array
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks"
            ADD CONSTRAINT "ck_settlement_chunks_customer_arrays" CHECK (
                    cardinality(customer_ids) = cardinality(customer_net_sats)
                    AND cardinality(customer_ids) = cardinality(customer_arrears_delta_micro_usd)
                )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks" DROP CONSTRAINT "ck_settlement_chunks_customer_arrays"
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks" DROP COLUMN "customer_arrears_delta_micro_usd"
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks" DROP COLUMN "customer_net_sats"
        `);
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks" DROP COLUMN "customer_ids"
        `);
    }

}
