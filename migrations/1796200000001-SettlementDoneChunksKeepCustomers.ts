import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A done chunk keeps what each of its customers is owed (the three arrays written with its
 * settlements): the finalizer credits customers from them alone, since chunk rows without them
 * (written before chunks kept their customers) are no longer summed from the day's rows.
 */
export class SettlementDoneChunksKeepCustomers1796200000001 implements MigrationInterface {
    name = 'SettlementDoneChunksKeepCustomers1796200000001'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks"
            ADD CONSTRAINT "ck_settlement_chunks_done_kept" CHECK (
                    status <> 'done'
                    OR customer_ids IS NOT NULL
                )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "settlement_chunks" DROP CONSTRAINT "ck_settlement_chunks_done_kept"
        `);
    }
}
