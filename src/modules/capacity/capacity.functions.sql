-- Function catalogue of the capacity module: the current text of every plpgsql function, trigger
-- and table storage option it owns, as the migrated database prints it (pg_get_functiondef,
-- pg_get_triggerdef; whitespace aside). Site power limits, and routing changes (where hash rate
-- points and where a pool pays) only through an approved, delayed request.
--
-- Migrations create and replace these; this file shows what is in force now. It is not run:
-- `npm run migration:check` migrates a scratch database and fails when its functions, triggers
-- or storage options differ from the catalogues (src/**/*.functions.sql). A migration that
-- changes one updates its entry here in the same commit.

-- assert_site_power(p_site uuid): created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE OR REPLACE FUNCTION public.assert_site_power(p_site uuid)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
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
$function$;

-- check_site_power(): created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE OR REPLACE FUNCTION public.check_site_power()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

-- guard_fleet_routing(): created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE OR REPLACE FUNCTION public.guard_fleet_routing()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  BEGIN
      IF NEW.pool_id IS DISTINCT FROM OLD.pool_id AND NOT EXISTS (
          SELECT 1 FROM routing_change_requests
           WHERE target_key = 'fleet:' || NEW.id || ':pool' AND status = 'applied' AND to_pool_id = NEW.pool_id) THEN
          RAISE EXCEPTION 'fleets.pool_id changes only through an applied routing change' USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
  END
$function$;

-- guard_pool_routing(): created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE OR REPLACE FUNCTION public.guard_pool_routing()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

-- guard_routing_change(): created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE OR REPLACE FUNCTION public.guard_routing_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

-- fleet_status_changes_append_only on fleet_status_changes: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER fleet_status_changes_append_only BEFORE UPDATE ON fleet_status_changes FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- fleets_routing_guard on fleets: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER fleets_routing_guard BEFORE UPDATE OF pool_id ON fleets FOR EACH ROW EXECUTE FUNCTION guard_fleet_routing();

-- fleets_site_power on fleets: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER fleets_site_power AFTER INSERT OR UPDATE OF site_id, miner_model_id, unit_count ON fleets FOR EACH ROW EXECUTE FUNCTION check_site_power();

-- miner_models_site_power on miner_models: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER miner_models_site_power AFTER UPDATE OF hashrate_ghs, efficiency_j_per_th ON miner_models FOR EACH ROW EXECUTE FUNCTION check_site_power();

-- pools_routing_guard on pools: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER pools_routing_guard BEFORE UPDATE OF payout_address, stratum_endpoint ON pools FOR EACH ROW EXECUTE FUNCTION guard_pool_routing();

-- routing_change_requests_guard on routing_change_requests: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER routing_change_requests_guard BEFORE UPDATE ON routing_change_requests FOR EACH ROW EXECUTE FUNCTION guard_routing_change();

-- routing_change_requests_no_delete on routing_change_requests: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER routing_change_requests_no_delete BEFORE DELETE ON routing_change_requests FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- sites_site_power on sites: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER sites_site_power AFTER UPDATE OF power_capacity_kw ON sites FOR EACH ROW EXECUTE FUNCTION check_site_power();
