import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateCapacityMarketProductsContractsOutbox1795687679626 implements MigrationInterface {
    name = 'CreateCapacityMarketProductsContractsOutbox1795687679626'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "miner_models" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "hashrate_ghs" bigint NOT NULL,
                "efficiency_j_per_th" numeric(10, 3) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_miner_models_efficiency_positive" CHECK (efficiency_j_per_th > 0),
                CONSTRAINT "ck_miner_models_hashrate_positive" CHECK (hashrate_ghs > 0),
                CONSTRAINT "PK_766507ad799f31ce1373964e40b" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_miner_models_name" ON "miner_models" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "pools" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "stratum_endpoint" text NOT NULL,
                "payout_scheme" text NOT NULL,
                "fee_bps" integer NOT NULL,
                "payout_address" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_pools_fee_bps" CHECK (
                    fee_bps BETWEEN 0 AND 10000
                ),
                CONSTRAINT "ck_pools_payout_scheme" CHECK (payout_scheme IN ('FPPS', 'PPS+', 'PPLNS')),
                CONSTRAINT "PK_6708c86fc389259de3ee43230ee" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_pools_name" ON "pools" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "sites" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "power_capacity_kw" numeric(14, 3) NOT NULL,
                "electricity_price_usd_per_kwh" numeric(12, 6) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_sites_price_non_negative" CHECK (electricity_price_usd_per_kwh >= 0),
                CONSTRAINT "ck_sites_power_positive" CHECK (power_capacity_kw > 0),
                CONSTRAINT "PK_4f5eccb1dfde10c9170502595a7" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_sites_name" ON "sites" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "fleets" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "site_id" uuid NOT NULL,
                "miner_model_id" uuid NOT NULL,
                "pool_id" uuid NOT NULL,
                "unit_count" integer NOT NULL,
                "status" text NOT NULL,
                "status_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_fleets_status" CHECK (status IN ('online', 'offline', 'maintenance')),
                CONSTRAINT "ck_fleets_unit_count_positive" CHECK (unit_count > 0),
                CONSTRAINT "PK_18a71e919faac62c1da6b5f8754" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_fleets_model" ON "fleets" ("miner_model_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_fleets_site" ON "fleets" ("site_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_fleets_pool" ON "fleets" ("pool_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_fleets_name" ON "fleets" ("name")
        `);
        await queryRunner.query(`
            CREATE TABLE "fleet_status_changes" (
                "id" BIGSERIAL NOT NULL,
                "fleet_id" uuid NOT NULL,
                "from_status" text,
                "to_status" text NOT NULL,
                "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "changed_by" uuid,
                "reason" text,
                CONSTRAINT "ck_fleet_status_changes_to" CHECK (
                    to_status IN ('online', 'offline', 'maintenance')
                ),
                CONSTRAINT "PK_adadb8bb73c20c94b736b86623b" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_fleet_status_changes_fleet" ON "fleet_status_changes" ("fleet_id", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "hashrate_reports" (
                "pool_id" uuid NOT NULL,
                "day" date NOT NULL,
                "delivered_ghs" bigint NOT NULL,
                "uptime_bps" integer NOT NULL,
                "revision" integer NOT NULL DEFAULT '1',
                "reported_by" uuid NOT NULL,
                "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_hashrate_reports_revision" CHECK (revision >= 1),
                CONSTRAINT "ck_hashrate_reports_uptime" CHECK (
                    uptime_bps BETWEEN 0 AND 10000
                ),
                CONSTRAINT "ck_hashrate_reports_delivered" CHECK (delivered_ghs >= 0),
                CONSTRAINT "PK_b594f970397acc65a58074f43c3" PRIMARY KEY ("pool_id", "day")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "routing_change_requests" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "kind" text NOT NULL,
                "target_key" text NOT NULL,
                "pool_id" uuid,
                "fleet_id" uuid,
                "to_pool_id" uuid,
                "old_value" text NOT NULL,
                "new_value" text NOT NULL,
                "reason" text,
                "status" text NOT NULL,
                "requested_by" uuid NOT NULL,
                "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "approved_by" uuid,
                "approved_at" TIMESTAMP WITH TIME ZONE,
                "effective_at" TIMESTAMP WITH TIME ZONE,
                "applied_at" TIMESTAMP WITH TIME ZONE,
                "cancelled_by" uuid,
                "cancelled_at" TIMESTAMP WITH TIME ZONE,
                "cancel_reason" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_routing_change_requests_approved" CHECK (
                    status NOT IN ('approved', 'applied')
                    OR (
                        approved_by IS NOT NULL
                        AND effective_at IS NOT NULL
                    )
                ),
                CONSTRAINT "ck_routing_change_requests_four_eyes" CHECK (
                    approved_by IS NULL
                    OR approved_by <> requested_by
                ),
                CONSTRAINT "ck_routing_change_requests_target" CHECK (
                    (
                        kind = 'fleet_pool'
                        AND fleet_id IS NOT NULL
                        AND to_pool_id IS NOT NULL
                    )
                    OR (
                        kind <> 'fleet_pool'
                        AND pool_id IS NOT NULL
                        AND fleet_id IS NULL
                        AND to_pool_id IS NULL
                    )
                ),
                CONSTRAINT "ck_routing_change_requests_status" CHECK (
                    status IN ('requested', 'approved', 'applied', 'cancelled')
                ),
                CONSTRAINT "ck_routing_change_requests_kind" CHECK (
                    kind IN (
                        'pool_payout_address',
                        'pool_stratum_endpoint',
                        'fleet_pool'
                    )
                ),
                CONSTRAINT "PK_82f181ccda25d398ee56b5f5617" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_routing_change_requests_fleet" ON "routing_change_requests" ("fleet_id", "requested_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_routing_change_requests_pool" ON "routing_change_requests" ("pool_id", "requested_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_routing_change_requests_due" ON "routing_change_requests" ("effective_at")
            WHERE status = 'approved'
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_routing_change_requests_open_target" ON "routing_change_requests" ("target_key")
            WHERE status IN ('requested', 'approved')
        `);
        await queryRunner.query(`
            CREATE TABLE "products" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "pool_id" uuid NOT NULL,
                "term_days" integer NOT NULL,
                "upfront_price_usd_per_th" numeric(20, 6) NOT NULL,
                "electricity_fee_usd_per_th_day" numeric(20, 6) NOT NULL,
                "electricity_fee_source" text NOT NULL,
                "management_fee_bps" integer NOT NULL,
                "min_purchase_ghs" bigint NOT NULL,
                "max_purchase_ghs" bigint NOT NULL,
                "capacity_allocated_ghs" bigint NOT NULL,
                "sold_ghs" bigint NOT NULL DEFAULT '0',
                "sales_start_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "sales_end_at" TIMESTAMP WITH TIME ZONE,
                "uptime_guarantee_bps" integer NOT NULL,
                "arrears_grace_days" integer NOT NULL,
                "status" text NOT NULL,
                "created_by" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_products_status" CHECK (status IN ('active', 'paused')),
                CONSTRAINT "ck_products_arrears_grace" CHECK (
                    arrears_grace_days BETWEEN 0 AND 365
                ),
                CONSTRAINT "ck_products_uptime_guarantee" CHECK (
                    uptime_guarantee_bps BETWEEN 0 AND 10000
                ),
                CONSTRAINT "ck_products_sales_window" CHECK (
                    sales_end_at IS NULL
                    OR sales_end_at > sales_start_at
                ),
                CONSTRAINT "ck_products_sold_within_allocation" CHECK (
                    sold_ghs >= 0
                    AND sold_ghs <= capacity_allocated_ghs
                ),
                CONSTRAINT "ck_products_allocated" CHECK (capacity_allocated_ghs >= 0),
                CONSTRAINT "ck_products_max_purchase" CHECK (max_purchase_ghs >= min_purchase_ghs),
                CONSTRAINT "ck_products_min_purchase" CHECK (min_purchase_ghs > 0),
                CONSTRAINT "ck_products_management_fee" CHECK (
                    management_fee_bps BETWEEN 0 AND 10000
                ),
                CONSTRAINT "ck_products_electricity_fee_source" CHECK (electricity_fee_source IN ('fixed', 'derived')),
                CONSTRAINT "ck_products_electricity_fee" CHECK (electricity_fee_usd_per_th_day >= 0),
                CONSTRAINT "ck_products_upfront_price" CHECK (upfront_price_usd_per_th > 0),
                CONSTRAINT "ck_products_term" CHECK (
                    term_days BETWEEN 1 AND 3650
                ),
                CONSTRAINT "PK_0806c755e0aca124e67c0cf6d7d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_products_on_sale" ON "products" ("status", "sales_start_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_products_pool" ON "products" ("pool_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "contracts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "customer_id" uuid NOT NULL,
                "product_id" uuid NOT NULL,
                "pool_id" uuid NOT NULL,
                "hashrate_ghs" bigint NOT NULL,
                "term_days" integer NOT NULL,
                "start_day" date NOT NULL,
                "end_day" date NOT NULL,
                "status" text NOT NULL,
                "status_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "price_paid_micro_usd" bigint NOT NULL,
                "upfront_price_usd_per_th" numeric(20, 6) NOT NULL,
                "electricity_fee_usd_per_th_day" numeric(20, 6) NOT NULL,
                "management_fee_bps" integer NOT NULL,
                "uptime_guarantee_bps" integer NOT NULL,
                "arrears_grace_days" integer NOT NULL,
                "idempotency_key" text NOT NULL,
                "request_fingerprint" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_contracts_arrears_grace" CHECK (
                    arrears_grace_days BETWEEN 0 AND 365
                ),
                CONSTRAINT "ck_contracts_uptime_guarantee" CHECK (
                    uptime_guarantee_bps BETWEEN 0 AND 10000
                ),
                CONSTRAINT "ck_contracts_management_fee" CHECK (
                    management_fee_bps BETWEEN 0 AND 10000
                ),
                CONSTRAINT "ck_contracts_price_paid" CHECK (price_paid_micro_usd >= 0),
                CONSTRAINT "ck_contracts_status" CHECK (
                    status IN (
                        'pending',
                        'active',
                        'paused',
                        'completed',
                        'cancelled',
                        'terminated'
                    )
                ),
                CONSTRAINT "ck_contracts_days" CHECK (end_day = start_day + term_days - 1),
                CONSTRAINT "ck_contracts_term" CHECK (
                    term_days BETWEEN 1 AND 3650
                ),
                CONSTRAINT "ck_contracts_hashrate" CHECK (hashrate_ghs > 0),
                CONSTRAINT "PK_2c7b8f3a7b1acdd49497d83d0fb" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_contracts_lifecycle" ON "contracts" ("status", "start_day", "end_day")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_contracts_pool_status" ON "contracts" ("pool_id", "status")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_contracts_product_status" ON "contracts" ("product_id", "status")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_contracts_customer" ON "contracts" ("customer_id", "created_at", "id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_contracts_customer_idempotency_key" ON "contracts" ("customer_id", "idempotency_key")
        `);
        await queryRunner.query(`
            CREATE TABLE "contract_status_changes" (
                "id" BIGSERIAL NOT NULL,
                "contract_id" uuid NOT NULL,
                "from_status" text,
                "to_status" text NOT NULL,
                "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "actor_id" uuid,
                "reason" text NOT NULL,
                CONSTRAINT "ck_contract_status_changes_to" CHECK (
                    to_status IN (
                        'pending',
                        'active',
                        'paused',
                        'completed',
                        'cancelled',
                        'terminated'
                    )
                ),
                CONSTRAINT "PK_c7ef60c3cada2bd4ea7da9a3b73" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_contract_status_changes_contract" ON "contract_status_changes" ("contract_id", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "btc_prices" (
                "day" date NOT NULL,
                "usd_per_btc" numeric(20, 8) NOT NULL,
                "recorded_by" uuid,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_btc_prices_positive" CHECK (usd_per_btc > 0),
                CONSTRAINT "PK_835c6d6993314c8ceeab663c7df" PRIMARY KEY ("day")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "network_difficulty" (
                "day" date NOT NULL,
                "difficulty" numeric(40, 8) NOT NULL,
                "block_subsidy_sats" bigint NOT NULL,
                "avg_fees_per_block_sats" bigint NOT NULL,
                "recorded_by" uuid,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_network_difficulty_fees" CHECK (avg_fees_per_block_sats >= 0),
                CONSTRAINT "ck_network_difficulty_subsidy" CHECK (block_subsidy_sats >= 0),
                CONSTRAINT "ck_network_difficulty_positive" CHECK (difficulty > 0),
                CONSTRAINT "PK_098947932510873a32c72889f38" PRIMARY KEY ("day")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "outbox" (
                "id" BIGSERIAL NOT NULL,
                "topic" text NOT NULL,
                "payload" jsonb NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "dispatched_at" TIMESTAMP WITH TIME ZONE,
                "attempts" integer NOT NULL DEFAULT '0',
                CONSTRAINT "PK_340ab539f309f03bdaa14aa7649" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_outbox_topic" ON "outbox" ("topic", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_outbox_undispatched" ON "outbox" ("id")
            WHERE dispatched_at IS NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "fleets"
            ADD CONSTRAINT "FK_589dd459cd74f27014a83e260ab" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "fleets"
            ADD CONSTRAINT "FK_d8f0d11ba14d8b3c784cf5d796e" FOREIGN KEY ("miner_model_id") REFERENCES "miner_models"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "fleets"
            ADD CONSTRAINT "FK_35656135f06ecc28dddb275d3b9" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "fleet_status_changes"
            ADD CONSTRAINT "FK_2dad11af3f7f1c97208e1b5c6b8" FOREIGN KEY ("fleet_id") REFERENCES "fleets"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "hashrate_reports"
            ADD CONSTRAINT "FK_3e7b381d3cecf2a546401493ade" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "routing_change_requests"
            ADD CONSTRAINT "FK_ce41c521c19d415e64165b60587" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "routing_change_requests"
            ADD CONSTRAINT "FK_37290717e4317f1653bd96a6c28" FOREIGN KEY ("fleet_id") REFERENCES "fleets"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "routing_change_requests"
            ADD CONSTRAINT "FK_32eb9968538ca5c8a963a503215" FOREIGN KEY ("to_pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "products"
            ADD CONSTRAINT "FK_e4432f6c7ae108783f1fdcd63db" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "FK_2e66f7950711366031e3200413d" FOREIGN KEY ("customer_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "FK_94d557e140bb320b0bf40e6421e" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts"
            ADD CONSTRAINT "FK_1b343fe845089ad99f93ec0cf44" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "contract_status_changes"
            ADD CONSTRAINT "FK_9cbd3e730b7085f101921fc7ac6" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);

        // Hand-written (TypeORM cannot generate functions or triggers). Physics: a site's fleets never
        // draw more power than the site has (units x GH/s x J/TH / 10^6 = kW). The services check it
        // under the site's row lock and answer 409; these triggers refuse it for any writer at all.
        await queryRunner.query(`
            CREATE FUNCTION assert_site_power(p_site uuid) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE
                v_capacity numeric;
                v_draw numeric;
            BEGIN
                SELECT power_capacity_kw INTO v_capacity FROM sites WHERE id = p_site;
                SELECT COALESCE(SUM(f.unit_count::numeric * m.hashrate_ghs * m.efficiency_j_per_th), 0) / 1000000 INTO v_draw
                  FROM fleets f JOIN miner_models m ON m.id = f.miner_model_id WHERE f.site_id = p_site;
                IF v_draw > v_capacity THEN
                    RAISE EXCEPTION 'site % would draw % kW of its % kW', p_site, v_draw, v_capacity
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_site_power';
                END IF;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE FUNCTION check_site_power() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                v_site uuid;
            BEGIN
                IF TG_TABLE_NAME = 'fleets' THEN
                    PERFORM assert_site_power(NEW.site_id);
                ELSIF TG_TABLE_NAME = 'sites' THEN
                    PERFORM assert_site_power(NEW.id);
                ELSE
                    FOR v_site IN SELECT DISTINCT site_id FROM fleets WHERE miner_model_id = NEW.id LOOP
                        PERFORM assert_site_power(v_site);
                    END LOOP;
                END IF;
                RETURN NULL;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER fleets_site_power AFTER INSERT OR UPDATE OF site_id, miner_model_id, unit_count ON "fleets"
                FOR EACH ROW EXECUTE FUNCTION check_site_power()
        `);
        await queryRunner.query(`
            CREATE TRIGGER sites_site_power AFTER UPDATE OF power_capacity_kw ON "sites"
                FOR EACH ROW EXECUTE FUNCTION check_site_power()
        `);
        await queryRunner.query(`
            CREATE TRIGGER miner_models_site_power AFTER UPDATE OF hashrate_ghs, efficiency_j_per_th ON "miner_models"
                FOR EACH ROW EXECUTE FUNCTION check_site_power()
        `);
        // Routing changes are the hijack the platform must not allow. What a request asks for never
        // changes after it is made; its status only moves requested -> approved -> applied (or to
        // cancelled); it is never applied before its effective time; closed requests are frozen.
        await queryRunner.query(`
            CREATE FUNCTION guard_routing_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (NEW.kind, NEW.target_key, NEW.pool_id, NEW.fleet_id, NEW.to_pool_id, NEW.old_value, NEW.new_value, NEW.requested_by, NEW.requested_at)
                   IS DISTINCT FROM
                   (OLD.kind, OLD.target_key, OLD.pool_id, OLD.fleet_id, OLD.to_pool_id, OLD.old_value, OLD.new_value, OLD.requested_by, OLD.requested_at) THEN
                    RAISE EXCEPTION 'routing change %: what was requested cannot be edited', OLD.id USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF OLD.status IN ('applied', 'cancelled') THEN
                    RAISE EXCEPTION 'routing change % is % and frozen', OLD.id, OLD.status USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF NOT (NEW.status = OLD.status
                        OR (OLD.status = 'requested' AND NEW.status IN ('approved', 'cancelled'))
                        OR (OLD.status = 'approved' AND NEW.status IN ('applied', 'cancelled'))) THEN
                    RAISE EXCEPTION 'routing change %: % -> % refused', OLD.id, OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF OLD.status = 'approved' AND (NEW.approved_by, NEW.approved_at, NEW.effective_at) IS DISTINCT FROM (OLD.approved_by, OLD.approved_at, OLD.effective_at) THEN
                    RAISE EXCEPTION 'routing change %: the approval cannot be rewritten', OLD.id USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF NEW.status = 'applied' AND (NEW.applied_at IS NULL OR NEW.applied_at < NEW.effective_at) THEN
                    RAISE EXCEPTION 'routing change % is not due before %', OLD.id, NEW.effective_at USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER routing_change_requests_guard BEFORE UPDATE ON "routing_change_requests"
                FOR EACH ROW EXECUTE FUNCTION guard_routing_change()
        `);
        await queryRunner.query(`
            CREATE TRIGGER routing_change_requests_no_delete BEFORE DELETE ON "routing_change_requests"
                FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
        // A pool's payout address or stratum endpoint, and a fleet's pool, take only a value that an
        // applied routing change set (the change is marked applied first, in the same transaction).
        await queryRunner.query(`
            CREATE FUNCTION guard_pool_routing() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.payout_address IS DISTINCT FROM OLD.payout_address AND NOT EXISTS (
                    SELECT 1 FROM routing_change_requests
                     WHERE target_key = 'pool:' || NEW.id || ':payout_address' AND status = 'applied' AND new_value = NEW.payout_address) THEN
                    RAISE EXCEPTION 'pools.payout_address changes only through an applied routing change' USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF NEW.stratum_endpoint IS DISTINCT FROM OLD.stratum_endpoint AND NOT EXISTS (
                    SELECT 1 FROM routing_change_requests
                     WHERE target_key = 'pool:' || NEW.id || ':stratum_endpoint' AND status = 'applied' AND new_value = NEW.stratum_endpoint) THEN
                    RAISE EXCEPTION 'pools.stratum_endpoint changes only through an applied routing change' USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER pools_routing_guard BEFORE UPDATE OF payout_address, stratum_endpoint ON "pools"
                FOR EACH ROW EXECUTE FUNCTION guard_pool_routing()
        `);
        await queryRunner.query(`
            CREATE FUNCTION guard_fleet_routing() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.pool_id IS DISTINCT FROM OLD.pool_id AND NOT EXISTS (
                    SELECT 1 FROM routing_change_requests
                     WHERE target_key = 'fleet:' || NEW.id || ':pool' AND status = 'applied' AND to_pool_id = NEW.pool_id) THEN
                    RAISE EXCEPTION 'fleets.pool_id changes only through an applied routing change' USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER fleets_routing_guard BEFORE UPDATE OF pool_id ON "fleets"
                FOR EACH ROW EXECUTE FUNCTION guard_fleet_routing()
        `);
        // Histories are append-only. Fleet status rows may only go with their fleet (cascade).
        await queryRunner.query(`
            CREATE TRIGGER fleet_status_changes_append_only BEFORE UPDATE ON "fleet_status_changes"
                FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
        await queryRunner.query(`
            CREATE TRIGGER contract_status_changes_append_only BEFORE UPDATE OR DELETE ON "contract_status_changes"
                FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "contract_status_changes_append_only" ON "contract_status_changes"`);
        await queryRunner.query(`DROP TRIGGER "fleet_status_changes_append_only" ON "fleet_status_changes"`);
        await queryRunner.query(`DROP TRIGGER "fleets_routing_guard" ON "fleets"`);
        await queryRunner.query(`DROP FUNCTION guard_fleet_routing()`);
        await queryRunner.query(`DROP TRIGGER "pools_routing_guard" ON "pools"`);
        await queryRunner.query(`DROP FUNCTION guard_pool_routing()`);
        await queryRunner.query(`DROP TRIGGER "routing_change_requests_no_delete" ON "routing_change_requests"`);
        await queryRunner.query(`DROP TRIGGER "routing_change_requests_guard" ON "routing_change_requests"`);
        await queryRunner.query(`DROP FUNCTION guard_routing_change()`);
        await queryRunner.query(`DROP TRIGGER "miner_models_site_power" ON "miner_models"`);
        await queryRunner.query(`DROP TRIGGER "sites_site_power" ON "sites"`);
        await queryRunner.query(`DROP TRIGGER "fleets_site_power" ON "fleets"`);
        await queryRunner.query(`DROP FUNCTION check_site_power()`);
        await queryRunner.query(`DROP FUNCTION assert_site_power(uuid)`);
        await queryRunner.query(`
            ALTER TABLE "contract_status_changes" DROP CONSTRAINT "FK_9cbd3e730b7085f101921fc7ac6"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP CONSTRAINT "FK_1b343fe845089ad99f93ec0cf44"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP CONSTRAINT "FK_94d557e140bb320b0bf40e6421e"
        `);
        await queryRunner.query(`
            ALTER TABLE "contracts" DROP CONSTRAINT "FK_2e66f7950711366031e3200413d"
        `);
        await queryRunner.query(`
            ALTER TABLE "products" DROP CONSTRAINT "FK_e4432f6c7ae108783f1fdcd63db"
        `);
        await queryRunner.query(`
            ALTER TABLE "routing_change_requests" DROP CONSTRAINT "FK_32eb9968538ca5c8a963a503215"
        `);
        await queryRunner.query(`
            ALTER TABLE "routing_change_requests" DROP CONSTRAINT "FK_37290717e4317f1653bd96a6c28"
        `);
        await queryRunner.query(`
            ALTER TABLE "routing_change_requests" DROP CONSTRAINT "FK_ce41c521c19d415e64165b60587"
        `);
        await queryRunner.query(`
            ALTER TABLE "hashrate_reports" DROP CONSTRAINT "FK_3e7b381d3cecf2a546401493ade"
        `);
        await queryRunner.query(`
            ALTER TABLE "fleet_status_changes" DROP CONSTRAINT "FK_2dad11af3f7f1c97208e1b5c6b8"
        `);
        await queryRunner.query(`
            ALTER TABLE "fleets" DROP CONSTRAINT "FK_35656135f06ecc28dddb275d3b9"
        `);
        await queryRunner.query(`
            ALTER TABLE "fleets" DROP CONSTRAINT "FK_d8f0d11ba14d8b3c784cf5d796e"
        `);
        await queryRunner.query(`
            ALTER TABLE "fleets" DROP CONSTRAINT "FK_589dd459cd74f27014a83e260ab"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_outbox_undispatched"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_outbox_topic"
        `);
        await queryRunner.query(`
            DROP TABLE "outbox"
        `);
        await queryRunner.query(`
            DROP TABLE "network_difficulty"
        `);
        await queryRunner.query(`
            DROP TABLE "btc_prices"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_contract_status_changes_contract"
        `);
        await queryRunner.query(`
            DROP TABLE "contract_status_changes"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_contracts_customer_idempotency_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_contracts_customer"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_contracts_product_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_contracts_pool_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_contracts_lifecycle"
        `);
        await queryRunner.query(`
            DROP TABLE "contracts"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_products_pool"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_products_on_sale"
        `);
        await queryRunner.query(`
            DROP TABLE "products"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_routing_change_requests_open_target"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_routing_change_requests_due"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_routing_change_requests_pool"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_routing_change_requests_fleet"
        `);
        await queryRunner.query(`
            DROP TABLE "routing_change_requests"
        `);
        await queryRunner.query(`
            DROP TABLE "hashrate_reports"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_fleet_status_changes_fleet"
        `);
        await queryRunner.query(`
            DROP TABLE "fleet_status_changes"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_fleets_name"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_fleets_pool"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_fleets_site"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_fleets_model"
        `);
        await queryRunner.query(`
            DROP TABLE "fleets"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_sites_name"
        `);
        await queryRunner.query(`
            DROP TABLE "sites"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_pools_name"
        `);
        await queryRunner.query(`
            DROP TABLE "pools"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_miner_models_name"
        `);
        await queryRunner.query(`
            DROP TABLE "miner_models"
        `);
    }

}
