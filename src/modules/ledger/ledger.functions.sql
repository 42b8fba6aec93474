-- Function catalogue of the ledger module: the current text of every plpgsql function, trigger and
-- table storage option it owns, as the migrated database prints it (pg_get_functiondef,
-- pg_get_triggerdef; whitespace aside). The ledger's rules kept in the database: accounts, balances
-- and postings are append-only or guarded, every entry balances, and ledger_post / ledger_post_bulk
-- are the only way postings are written.
--
-- Migrations create and replace these; this file shows what is in force now. It is not run:
-- `npm run migration:check` migrates a scratch database and fails when its functions, triggers
-- or storage options differ from the catalogues (src/**/*.functions.sql). A migration that
-- changes one updates its entry here in the same commit.

-- ledger_account_owner_check(): created by 1795687301115-CreateLedger
CREATE OR REPLACE FUNCTION public.ledger_account_owner_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  BEGIN
      IF NEW.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.customer_id AND role = 'customer') THEN
          RAISE EXCEPTION 'customer % not found', NEW.customer_id
      USING ERRCODE = 'HM404', DETAIL = json_build_object('customerId', NEW.customer_id)::text;
      END IF;
      RETURN NEW;
  END
$function$;

-- ledger_apply_posting(): created by 1795687301115-CreateLedger, replaced by 1795700000000-LedgerSetBasedBulkPosting
CREATE OR REPLACE FUNCTION public.ledger_apply_posting()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  DECLARE
      v_balance bigint;
      v_min bigint;
      v_max bigint;
      v_currency text;
      v_name text;
      v_customer uuid;
  BEGIN
      UPDATE ledger_balances b
         SET balance_minor = b.balance_minor + NEW.amount_minor, seq = b.seq + 1
       WHERE b.account_id = NEW.account_id AND b.shard = NEW.shard
         AND (b.min_balance_minor IS NULL OR b.balance_minor + NEW.amount_minor >= b.min_balance_minor)
         AND (b.max_balance_minor IS NULL OR b.balance_minor + NEW.amount_minor <= b.max_balance_minor)
      RETURNING b.balance_minor, b.seq, b.currency INTO NEW.balance_after_minor, NEW.account_seq, NEW.currency;
      IF FOUND THEN
          RETURN NEW;
      END IF;
      SELECT b.balance_minor, b.min_balance_minor, b.max_balance_minor, b.currency, a.name, a.customer_id
        INTO v_balance, v_min, v_max, v_currency, v_name, v_customer
        FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
       WHERE b.account_id = NEW.account_id AND b.shard = NEW.shard;
      IF NOT FOUND THEN
          RAISE EXCEPTION 'ledger account % has no shard %', NEW.account_id, NEW.shard
              USING ERRCODE = 'HM404', DETAIL = json_build_object('accountId', NEW.account_id::text)::text;
      END IF;
      RAISE EXCEPTION 'ledger account % would leave its bounds: balance %, change %', NEW.account_id, v_balance, NEW.amount_minor
          USING ERRCODE = 'HM402',
                DETAIL = json_build_object('accountId', NEW.account_id::text, 'customerId', v_customer, 'account', v_name,
                                           'currency', v_currency, 'balanceMinor', v_balance::text,
                                           'amountMinor', NEW.amount_minor::text,
                                           'bound', CASE WHEN v_min IS NOT NULL AND v_balance + NEW.amount_minor < v_min THEN 'min' ELSE 'max' END)::text;
  END
$function$;

-- ledger_apply_postings_set(): created by 1795700000000-LedgerSetBasedBulkPosting
CREATE OR REPLACE FUNCTION public.ledger_apply_postings_set()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  DECLARE
      r record;
      v_groups int;
      v_moved int;
  BEGIN
      SELECT v.* INTO r
        FROM (SELECT n.account_id, n.shard, n.entry_id, n.amount_minor, n.account_seq, n.balance_after_minor, n.currency,
                     b.account_id AS balance_account, b.currency AS balance_currency, b.min_balance_minor, b.max_balance_minor,
                     b.seq + row_number() OVER w AS want_seq,
                     b.balance_minor + sum(n.amount_minor) OVER w AS want_balance
                FROM new_postings n
                LEFT JOIN ledger_balances b ON b.account_id = n.account_id AND b.shard = n.shard
              WINDOW w AS (PARTITION BY n.account_id, n.shard ORDER BY n.account_seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) v
       WHERE v.balance_account IS NULL
          OR v.account_seq <> v.want_seq OR v.balance_after_minor <> v.want_balance OR v.currency <> v.balance_currency
          OR v.want_balance < v.min_balance_minor OR v.want_balance > v.max_balance_minor
       ORDER BY (v.balance_account IS NULL) DESC, (v.account_seq <> v.want_seq OR v.balance_after_minor <> v.want_balance OR v.currency <> v.balance_currency) DESC
       LIMIT 1;
      IF FOUND THEN
          IF r.balance_account IS NULL THEN
              RAISE EXCEPTION 'ledger account % has no shard %', r.account_id, r.shard
                  USING ERRCODE = 'HM404', DETAIL = json_build_object('accountId', r.account_id::text)::text;
          END IF;
          IF r.account_seq <> r.want_seq OR r.balance_after_minor <> r.want_balance OR r.currency <> r.balance_currency THEN
              RAISE EXCEPTION 'ledger posting of entry % does not continue balance % shard %', r.entry_id, r.account_id, r.shard
                  USING ERRCODE = 'insufficient_privilege';
          END IF;
          RAISE EXCEPTION 'ledger account % would leave its bounds: balance %, change %', r.account_id, r.want_balance - r.amount_minor, r.amount_minor
              USING ERRCODE = 'HM402',
                    DETAIL = (SELECT json_build_object('accountId', r.account_id::text, 'customerId', a.customer_id, 'account', a.name,
                                                       'currency', r.balance_currency, 'balanceMinor', (r.want_balance - r.amount_minor)::text,
                                                       'amountMinor', r.amount_minor::text,
                                                       'bound', CASE WHEN r.want_balance < r.min_balance_minor THEN 'min' ELSE 'max' END)::text
                                FROM ledger_accounts a WHERE a.id = r.account_id);
      END IF;

      -- Moves each balance row by its postings, unless it moved since they were computed
      -- (its sequence number says so): then the count falls short and nothing commits.
      UPDATE ledger_balances b
         SET balance_minor = b.balance_minor + g.total, seq = b.seq + g.n
        FROM (SELECT account_id, shard, sum(amount_minor) AS total, count(*) AS n, min(account_seq) AS first_seq
                FROM new_postings GROUP BY account_id, shard) g
       WHERE b.account_id = g.account_id AND b.shard = g.shard AND b.seq = g.first_seq - 1;
      GET DIAGNOSTICS v_moved = ROW_COUNT;
      SELECT count(*) INTO v_groups FROM (SELECT DISTINCT account_id, shard FROM new_postings) g;
      IF v_moved <> v_groups THEN
          RAISE EXCEPTION 'ledger balances moved while postings were computed' USING ERRCODE = 'serialization_failure';
      END IF;

      -- Double entry, checked for every entry the statement touched (all its postings).
      SELECT p.entry_id, p.currency, sum(p.amount_minor) AS total INTO r
        FROM ledger_postings p
       WHERE p.entry_id IN (SELECT DISTINCT entry_id FROM new_postings)
       GROUP BY p.entry_id, p.currency
      HAVING sum(p.amount_minor) <> 0
       LIMIT 1;
      IF FOUND THEN
          RAISE EXCEPTION 'ledger entry % is unbalanced: its % postings sum to %', r.entry_id, r.currency, r.total
              USING ERRCODE = 'HM400', DETAIL = json_build_object('entryId', r.entry_id::text, 'currency', r.currency)::text;
      END IF;
      RETURN NULL;
  END
$function$;

-- ledger_balance_guard(): created by 1795687301115-CreateLedger
CREATE OR REPLACE FUNCTION public.ledger_balance_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  DECLARE
      v_account ledger_accounts%ROWTYPE;
  BEGIN
      IF TG_OP = 'INSERT' THEN
          SELECT * INTO v_account FROM ledger_accounts WHERE id = NEW.account_id;
          IF NOT FOUND OR NEW.balance_minor <> 0 OR NEW.seq <> 0 OR NEW.currency <> v_account.currency
             OR NEW.shard >= v_account.shard_count
             OR NEW.min_balance_minor IS DISTINCT FROM (CASE WHEN v_account.customer_id IS NOT NULL AND v_account.name <> 'arrears' THEN 0 END)
             OR NEW.max_balance_minor IS DISTINCT FROM (CASE WHEN v_account.customer_id IS NOT NULL AND v_account.name = 'arrears' THEN 0 END) THEN
              RAISE EXCEPTION 'ledger_balances rows start at zero, in their account''s currency, shard range and bounds'
                  USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
      END IF;
      IF pg_trigger_depth() < 2 THEN
          RAISE EXCEPTION 'ledger_balances change only through postings: UPDATE refused' USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.account_id <> OLD.account_id OR NEW.shard <> OLD.shard OR NEW.currency <> OLD.currency
         OR NEW.min_balance_minor IS DISTINCT FROM OLD.min_balance_minor OR NEW.max_balance_minor IS DISTINCT FROM OLD.max_balance_minor THEN
          RAISE EXCEPTION 'ledger_balances: only the balance and its sequence change' USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
  END
$function$;

-- ledger_check_entry_balanced(): created by 1795687301115-CreateLedger, replaced by 1795700000000-LedgerSetBasedBulkPosting
CREATE OR REPLACE FUNCTION public.ledger_check_entry_balanced()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  DECLARE
      v_currency text;
      v_sum numeric;
  BEGIN
      SELECT currency, sum(amount_minor) INTO v_currency, v_sum
        FROM ledger_postings WHERE entry_id = NEW.entry_id
       GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
      IF FOUND THEN
          RAISE EXCEPTION 'ledger entry % is unbalanced: its % postings sum to %', NEW.entry_id, v_currency, v_sum
              USING ERRCODE = 'HM400', DETAIL = json_build_object('entryId', NEW.entry_id::text, 'currency', v_currency)::text;
      END IF;
      RETURN NULL;
  END
$function$;

-- ledger_customer_account_id(p_customer uuid, p_currency text, p_name text): created by 1795687301115-CreateLedger
CREATE OR REPLACE FUNCTION public.ledger_customer_account_id(p_customer uuid, p_currency text, p_name text)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
  DECLARE
      v_id bigint;
  BEGIN
      IF p_customer IS NULL THEN
          RAISE EXCEPTION 'ledger_customer_account_id: customer is required' USING ERRCODE = 'HM404';
      END IF;
      SELECT id INTO v_id FROM ledger_accounts WHERE customer_id = p_customer AND currency = p_currency AND name = p_name;
      IF FOUND THEN
          RETURN v_id;
      END IF;
      INSERT INTO ledger_accounts (customer_id, name, currency, shard_count) VALUES (p_customer, p_name, p_currency, 1)
      ON CONFLICT (customer_id, currency, name) WHERE customer_id IS NOT NULL DO NOTHING
      RETURNING id INTO v_id;
      IF v_id IS NOT NULL THEN
          INSERT INTO ledger_balances (account_id, shard, currency, balance_minor, seq, min_balance_minor, max_balance_minor)
          VALUES (v_id, 0, p_currency, 0, 0, CASE WHEN p_name <> 'arrears' THEN 0 END, CASE WHEN p_name = 'arrears' THEN 0 END);
          RETURN v_id;
      END IF;
      -- Another transaction opened it first and committed (ON CONFLICT waited for it).
      SELECT id INTO v_id FROM ledger_accounts WHERE customer_id = p_customer AND currency = p_currency AND name = p_name;
      IF NOT FOUND THEN
          RAISE EXCEPTION 'ledger account opened concurrently is not visible to this snapshot' USING ERRCODE = 'serialization_failure';
      END IF;
      RETURN v_id;
  END
$function$;

-- ledger_post(p_type text, p_key text, p_reference text, p_actor_id uuid, p_actor_role text, p_hash text, p_posted_at timestamp with time zone, p_account_ids bigint[], p_shards smallint[], p_customer_ids uuid[], p_names text[], p_currencies text[], p_amounts bigint[]): created by 1795687301115-CreateLedger
CREATE OR REPLACE FUNCTION public.ledger_post(p_type text, p_key text, p_reference text, p_actor_id uuid, p_actor_role text, p_hash text, p_posted_at timestamp with time zone, p_account_ids bigint[], p_shards smallint[], p_customer_ids uuid[], p_names text[], p_currencies text[], p_amounts bigint[])
 RETURNS TABLE(o_entry_id bigint, o_replayed boolean, o_posted_at timestamp with time zone, o_account_ids bigint[])
 LANGUAGE plpgsql
AS $function$
  DECLARE
      v_id bigint;
      v_hash text;
      v_posted_at timestamptz;
      v_account_ids bigint[];
  BEGIN
      INSERT INTO ledger_entries (type, idempotency_key, reference, actor_id, actor_role, request_hash, posted_at)
      VALUES (p_type, p_key, p_reference, p_actor_id, p_actor_role, p_hash, p_posted_at)
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id INTO v_id;
      IF v_id IS NULL THEN
          SELECT e.id, e.request_hash, e.posted_at INTO v_id, v_hash, v_posted_at FROM ledger_entries e WHERE e.idempotency_key = p_key;
          IF v_id IS NULL THEN
              RAISE EXCEPTION 'ledger entry % is not visible to this snapshot', p_key USING ERRCODE = 'serialization_failure';
          END IF;
          IF v_hash <> p_hash THEN
              RAISE EXCEPTION 'idempotency key % was already used for different content', p_key
                  USING ERRCODE = 'HM409', DETAIL = json_build_object('idempotencyKey', p_key, 'entryId', v_id::text)::text;
          END IF;
          RETURN QUERY SELECT v_id, true, v_posted_at, NULL::bigint[];
          RETURN;
      END IF;
      -- Customer lines whose account id the caller did not know: look them up (opening them on
      -- first use). Kept out of the common path, where every id is known (p_customer_ids, p_names
      -- and p_currencies may then be null).
      -- The resolved ids come back only then (for the caller's cache); posted_at only on a replay.
      IF array_position(p_account_ids, NULL) IS NOT NULL THEN
          SELECT array_agg(COALESCE(l.account_id, ledger_customer_account_id(l.customer_id, l.currency, l.name)) ORDER BY l.ord)
            INTO v_account_ids
            FROM unnest(p_account_ids, p_customer_ids, p_currencies, p_names) WITH ORDINALITY AS l(account_id, customer_id, currency, name, ord);
      END IF;
      INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at)
      SELECT v_id, l.line_no::smallint, l.account_id, l.shard, l.amount, p_posted_at
        FROM unnest(COALESCE(v_account_ids, p_account_ids), p_shards, p_amounts) WITH ORDINALITY AS l(account_id, shard, amount, line_no)
       ORDER BY 3, 4;
      RETURN QUERY SELECT v_id, false, NULL::timestamptz, v_account_ids;
  END
$function$;

-- ledger_post_bulk(p_types text[], p_keys text[], p_references text[], p_hashes text[], p_actor_id uuid, p_actor_role text, p_posted_at timestamp with time zone, p_line_entries integer[], p_line_nos smallint[], p_account_ids bigint[], p_shards smallint[], p_customer_ids uuid[], p_names text[], p_currencies text[], p_amounts bigint[]): created by 1795687301115-CreateLedger, replaced by 1795700000000-LedgerSetBasedBulkPosting
CREATE OR REPLACE FUNCTION public.ledger_post_bulk(p_types text[], p_keys text[], p_references text[], p_hashes text[], p_actor_id uuid, p_actor_role text, p_posted_at timestamp with time zone, p_line_entries integer[], p_line_nos smallint[], p_account_ids bigint[], p_shards smallint[], p_customer_ids uuid[], p_names text[], p_currencies text[], p_amounts bigint[])
 RETURNS TABLE(o_ord integer, o_entry_id bigint, o_replayed boolean, o_account_ids bigint[])
 LANGUAGE plpgsql
AS $function$
  DECLARE
      v_new_ords int[];
      v_new_ids bigint[];
      v_missing text;
      v_conflict text;
      v_entry_ids bigint[];
      v_line_nos smallint[];
      v_account_ids bigint[];
      v_shards smallint[];
      v_amounts bigint[];
      v_expected int;
      v_inserted int;
  BEGIN
      WITH input AS (
          SELECT i.type, i.key, i.reference, i.hash, i.ord::int AS ord
            FROM unnest(p_types, p_keys, p_references, p_hashes) WITH ORDINALITY AS i(type, key, reference, hash, ord)
      ), inserted AS (
          INSERT INTO ledger_entries (type, idempotency_key, reference, actor_id, actor_role, request_hash, posted_at)
          SELECT input.type, input.key, input.reference, p_actor_id, p_actor_role, input.hash, p_posted_at FROM input ORDER BY input.ord
          ON CONFLICT (idempotency_key) DO NOTHING
          RETURNING id, idempotency_key
      )
      SELECT coalesce(array_agg(input.ord), '{}'), coalesce(array_agg(inserted.id), '{}') INTO v_new_ords, v_new_ids
        FROM input JOIN inserted ON inserted.idempotency_key = input.key;

      SELECT i.key INTO v_missing
        FROM unnest(p_keys) WITH ORDINALITY AS i(key, ord)
       WHERE NOT (i.ord::int = ANY (v_new_ords))
         AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idempotency_key = i.key)
       LIMIT 1;
      IF v_missing IS NOT NULL THEN
          RAISE EXCEPTION 'ledger entry % is not visible to this snapshot', v_missing USING ERRCODE = 'serialization_failure';
      END IF;
      SELECT i.key INTO v_conflict
        FROM unnest(p_keys, p_hashes) WITH ORDINALITY AS i(key, hash, ord)
        JOIN ledger_entries e ON e.idempotency_key = i.key
       WHERE NOT (i.ord::int = ANY (v_new_ords)) AND e.request_hash <> i.hash
       LIMIT 1;
      IF v_conflict IS NOT NULL THEN
          RAISE EXCEPTION 'idempotency key % was already used for different content', v_conflict
              USING ERRCODE = 'HM409', DETAIL = json_build_object('idempotencyKey', v_conflict)::text;
      END IF;

      PERFORM ledger_customer_account_id(m.customer_id, m.currency, m.name)
         FROM (SELECT DISTINCT l.customer_id, l.currency, l.name
                 FROM unnest(p_customer_ids, p_currencies, p_names) AS l(customer_id, currency, name)
                WHERE l.customer_id IS NOT NULL) m
        WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.customer_id = m.customer_id AND a.currency = m.currency AND a.name = m.name);

      IF cardinality(v_new_ids) = 0 THEN
          RETURN QUERY
          SELECT i.ord::int, e.id, true, NULL::bigint[]
            FROM unnest(p_keys) WITH ORDINALITY AS i(key, ord)
            JOIN ledger_entries e ON e.idempotency_key = i.key
           ORDER BY i.ord;
          RETURN;
      END IF;

      -- The new entries' lines with their account ids, resolved once.
      SELECT coalesce(array_agg(n.id ORDER BY l.i), '{}'), coalesce(array_agg(l.line_no ORDER BY l.i), '{}'),
             coalesce(array_agg(COALESCE(l.account_id, a.id) ORDER BY l.i), '{}'), coalesce(array_agg(l.shard ORDER BY l.i), '{}'),
             coalesce(array_agg(l.amount ORDER BY l.i), '{}')
        INTO v_entry_ids, v_line_nos, v_account_ids, v_shards, v_amounts
        FROM unnest(p_line_entries, p_line_nos, p_account_ids, p_shards, p_customer_ids, p_names, p_currencies, p_amounts)
             WITH ORDINALITY AS l(entry_ord, line_no, account_id, shard, customer_id, name, currency, amount, i)
        JOIN unnest(v_new_ords, v_new_ids) AS n(ord, id) ON n.ord = l.entry_ord
        LEFT JOIN ledger_accounts a
          ON l.account_id IS NULL AND a.customer_id = l.customer_id AND a.currency = l.currency AND a.name = l.name;
      v_expected := cardinality(v_entry_ids);

      -- The balance rows these postings move, locked in key order (the order every
      -- writer locks them in), so the values read next stay current until commit.
      PERFORM 1 FROM ledger_balances b
        WHERE (b.account_id, b.shard) IN (SELECT * FROM unnest(v_account_ids, v_shards))
        ORDER BY b.account_id, b.shard
          FOR UPDATE;

      -- Sequence numbers and balances-after continue each balance row in (entry, line)
      -- order; a line without a balance row gets placeholders the statement trigger
      -- refuses (HM404). The trigger checks bounds and balance, and moves the rows.
      PERFORM set_config('hashmarket.ledger_set_based', 'on', true);
      INSERT INTO ledger_postings (account_id, shard, account_seq, entry_id, line_no, currency, amount_minor, balance_after_minor, posted_at)
      SELECT x.account_id, x.shard,
             COALESCE(b.seq, 0) + row_number() OVER w,
             x.entry_id, x.line_no, COALESCE(b.currency, ''),
             x.amount,
             COALESCE(b.balance_minor, 0) + sum(x.amount) OVER w,
             p_posted_at
        FROM unnest(v_entry_ids, v_line_nos, v_account_ids, v_shards, v_amounts) AS x(entry_id, line_no, account_id, shard, amount)
        LEFT JOIN ledger_balances b ON b.account_id = x.account_id AND b.shard = x.shard
      WINDOW w AS (PARTITION BY x.account_id, x.shard ORDER BY x.entry_id, x.line_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
       ORDER BY x.account_id, x.shard, x.entry_id, x.line_no;
      GET DIAGNOSTICS v_inserted = ROW_COUNT;
      PERFORM set_config('hashmarket.ledger_set_based', 'off', true);
      IF v_inserted <> v_expected THEN
          RAISE EXCEPTION 'ledger_post_bulk: % lines, % postings', v_expected, v_inserted USING ERRCODE = 'HM400';
      END IF;

      RETURN QUERY
      SELECT i.ord::int, COALESCE(n.id, e.id), n.id IS NULL, ids.account_ids
        FROM unnest(p_keys) WITH ORDINALITY AS i(key, ord)
        LEFT JOIN unnest(v_new_ords, v_new_ids) AS n(ord, id) ON n.ord = i.ord
        LEFT JOIN ledger_entries e ON n.id IS NULL AND e.idempotency_key = i.key
        LEFT JOIN (SELECT p.entry_id, array_agg(p.account_id ORDER BY p.line_no) AS account_ids
                     FROM unnest(v_entry_ids, v_line_nos, v_account_ids) AS p(entry_id, line_no, account_id)
                    GROUP BY p.entry_id) ids ON ids.entry_id = n.id
       ORDER BY i.ord;
  END
$function$;

-- ledger_accounts_append_only on ledger_accounts: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_accounts_append_only BEFORE DELETE OR UPDATE ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- ledger_accounts_no_truncate on ledger_accounts: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- ledger_accounts_owner on ledger_accounts: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_accounts_owner BEFORE INSERT ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION ledger_account_owner_check();

-- ledger_balances_guard on ledger_balances: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_balances_guard BEFORE INSERT OR UPDATE ON ledger_balances FOR EACH ROW EXECUTE FUNCTION ledger_balance_guard();

-- ledger_balances_no_delete on ledger_balances: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_balances_no_delete BEFORE DELETE ON ledger_balances FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- ledger_balances_no_truncate on ledger_balances: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_balances_no_truncate BEFORE TRUNCATE ON ledger_balances FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- ledger_entries_append_only on ledger_entries: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_entries_append_only BEFORE DELETE OR UPDATE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- ledger_entries_no_truncate on ledger_entries: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- ledger_postings_append_only on ledger_postings: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_postings_append_only BEFORE DELETE OR UPDATE ON ledger_postings FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- ledger_postings_apply on ledger_postings: created by 1795687301115-CreateLedger, re-created by 1795700000000-LedgerSetBasedBulkPosting
CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings FOR EACH ROW WHEN (current_setting('hashmarket.ledger_set_based'::text, true) IS DISTINCT FROM 'on'::text) EXECUTE FUNCTION ledger_apply_posting();

-- ledger_postings_apply_set on ledger_postings: created by 1795700000000-LedgerSetBasedBulkPosting
CREATE TRIGGER ledger_postings_apply_set AFTER INSERT ON ledger_postings REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT WHEN (current_setting('hashmarket.ledger_set_based'::text, true) = 'on'::text) EXECUTE FUNCTION ledger_apply_postings_set();

-- ledger_postings_balanced on ledger_postings: created by 1795687301115-CreateLedger, re-created by 1795700000000-LedgerSetBasedBulkPosting
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('hashmarket.ledger_set_based'::text, true) IS DISTINCT FROM 'on'::text) EXECUTE FUNCTION ledger_check_entry_balanced();

-- ledger_postings_no_truncate on ledger_postings: created by 1795687301115-CreateLedger
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- storage of ledger_balances: set by 1795687301115-CreateLedger, and again by 1795710000000-LedgerBalancesRoomForHotUpdates
ALTER TABLE public.ledger_balances SET (fillfactor=70);
