-- Function catalogue of the payouts module: the current text of every plpgsql function, trigger and
-- table storage option it owns, as the migrated database prints it (pg_get_functiondef,
-- pg_get_triggerdef; whitespace aside). Withdrawals, payout addresses and batches move only along
-- their state machines, and are never deleted.
--
-- Migrations create and replace these; this file shows what is in force now. It is not run:
-- `npm run migration:check` migrates a scratch database and fails when its functions, triggers
-- or storage options differ from the catalogues (src/**/*.functions.sql). A migration that
-- changes one updates its entry here in the same commit.

-- payouts_address_guard(): created by 1795687498558-AddPayouts
CREATE OR REPLACE FUNCTION public.payouts_address_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  BEGIN
      IF NEW.user_id <> OLD.user_id OR NEW.address <> OLD.address OR NEW.network <> OLD.network
         OR NEW.usable_from <> OLD.usable_from OR NEW.created_at <> OLD.created_at OR OLD.removed_at IS NOT NULL THEN
          RAISE EXCEPTION 'payout address %: only an active address can be removed, nothing else changes', OLD.id
              USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
  END
$function$;

-- payouts_batch_guard(): created by 1795687498558-AddPayouts
CREATE OR REPLACE FUNCTION public.payouts_batch_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

-- payouts_batch_item_guard(): created by 1795687498558-AddPayouts
CREATE OR REPLACE FUNCTION public.payouts_batch_item_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  BEGIN
      IF NEW.batch_id <> OLD.batch_id OR NEW.withdrawal_id <> OLD.withdrawal_id OR NEW.address <> OLD.address
         OR NEW.net_sats <> OLD.net_sats OR OLD.released_at IS NOT NULL THEN
          RAISE EXCEPTION 'payout batch item %/%: only an unreleased item can be released', OLD.batch_id, OLD.withdrawal_id
              USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
  END
$function$;

-- payouts_withdrawal_guard(): created by 1795687498558-AddPayouts
CREATE OR REPLACE FUNCTION public.payouts_withdrawal_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

-- payout_addresses_guard on payout_addresses: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_addresses_guard BEFORE UPDATE ON payout_addresses FOR EACH ROW EXECUTE FUNCTION payouts_address_guard();

-- payout_addresses_no_delete on payout_addresses: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_addresses_no_delete BEFORE DELETE ON payout_addresses FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- payout_addresses_no_truncate on payout_addresses: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_addresses_no_truncate BEFORE TRUNCATE ON payout_addresses FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- payout_batch_items_guard on payout_batch_items: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_batch_items_guard BEFORE UPDATE ON payout_batch_items FOR EACH ROW EXECUTE FUNCTION payouts_batch_item_guard();

-- payout_batch_items_no_delete on payout_batch_items: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_batch_items_no_delete BEFORE DELETE ON payout_batch_items FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- payout_batch_items_no_truncate on payout_batch_items: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_batch_items_no_truncate BEFORE TRUNCATE ON payout_batch_items FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- payout_batches_guard on payout_batches: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_batches_guard BEFORE UPDATE ON payout_batches FOR EACH ROW EXECUTE FUNCTION payouts_batch_guard();

-- payout_batches_no_delete on payout_batches: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_batches_no_delete BEFORE DELETE ON payout_batches FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- payout_batches_no_truncate on payout_batches: created by 1795687498558-AddPayouts
CREATE TRIGGER payout_batches_no_truncate BEFORE TRUNCATE ON payout_batches FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- withdrawals_guard on withdrawals: created by 1795687498558-AddPayouts
CREATE TRIGGER withdrawals_guard BEFORE UPDATE ON withdrawals FOR EACH ROW EXECUTE FUNCTION payouts_withdrawal_guard();

-- withdrawals_no_delete on withdrawals: created by 1795687498558-AddPayouts
CREATE TRIGGER withdrawals_no_delete BEFORE DELETE ON withdrawals FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- withdrawals_no_truncate on withdrawals: created by 1795687498558-AddPayouts
CREATE TRIGGER withdrawals_no_truncate BEFORE TRUNCATE ON withdrawals FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();
