import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateLedger1795687301115 implements MigrationInterface {
    name = 'CreateLedger1795687301115'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "ledger_accounts" (
                "id" BIGSERIAL NOT NULL,
                "customer_id" uuid,
                "name" text NOT NULL,
                "currency" text NOT NULL,
                "shard_count" smallint NOT NULL DEFAULT '1',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_ledger_accounts_shards" CHECK (
                    shard_count BETWEEN 1 AND 64
                    AND (
                        customer_id IS NULL
                        OR shard_count = 1
                    )
                ),
                CONSTRAINT "ck_ledger_accounts_arrears_usd" CHECK (
                    customer_id IS NULL
                    OR name <> 'arrears'
                    OR currency = 'USD'
                ),
                CONSTRAINT "ck_ledger_accounts_customer_bucket" CHECK (
                    customer_id IS NULL
                    OR name IN ('available', 'reserved', 'arrears')
                ),
                CONSTRAINT "ck_ledger_accounts_name" CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
                CONSTRAINT "ck_ledger_accounts_currency" CHECK (currency IN ('BTC', 'USD')),
                CONSTRAINT "PK_62b34396dda564757cf123fff0e" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_accounts_platform" ON "ledger_accounts" ("name", "currency")
            WHERE customer_id IS NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_accounts_customer" ON "ledger_accounts" ("customer_id", "currency", "name")
            WHERE customer_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "ledger_balances" (
                "account_id" bigint NOT NULL,
                "shard" smallint NOT NULL,
                "currency" text NOT NULL,
                "balance_minor" bigint NOT NULL DEFAULT '0',
                "seq" bigint NOT NULL DEFAULT '0',
                "min_balance_minor" bigint,
                "max_balance_minor" bigint,
                CONSTRAINT "ck_ledger_balances_seq" CHECK (seq >= 0),
                CONSTRAINT "ck_ledger_balances_shard" CHECK (shard >= 0),
                CONSTRAINT "ck_ledger_balances_max" CHECK (
                    max_balance_minor IS NULL
                    OR balance_minor <= max_balance_minor
                ),
                CONSTRAINT "ck_ledger_balances_min" CHECK (
                    min_balance_minor IS NULL
                    OR balance_minor >= min_balance_minor
                ),
                CONSTRAINT "PK_6cb7dc5ec1f1fce664ca36e9a9a" PRIMARY KEY ("account_id", "shard")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "ledger_entries" (
                "id" BIGSERIAL NOT NULL,
                "type" text NOT NULL,
                "idempotency_key" text NOT NULL,
                "reference" text,
                "actor_id" uuid,
                "actor_role" text NOT NULL,
                "request_hash" text NOT NULL,
                "posted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_ledger_entries_reference" CHECK (
                    reference IS NULL
                    OR length(reference) <= 200
                ),
                CONSTRAINT "ck_ledger_entries_idempotency_key" CHECK (
                    length(idempotency_key) BETWEEN 1 AND 200
                ),
                CONSTRAINT "ck_ledger_entries_type" CHECK (type ~ '^[a-z][a-z0-9_.]{0,62}$'),
                CONSTRAINT "PK_6efcb84411d3f08b08450ae75d5" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_entries_idempotency_key" ON "ledger_entries" ("idempotency_key")
        `);
        await queryRunner.query(`
            CREATE TABLE "ledger_postings" (
                "account_id" bigint NOT NULL,
                "shard" smallint NOT NULL,
                "account_seq" bigint NOT NULL,
                "entry_id" bigint NOT NULL,
                "line_no" smallint NOT NULL,
                "currency" text NOT NULL,
                "amount_minor" bigint NOT NULL,
                "balance_after_minor" bigint NOT NULL,
                "posted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_ledger_postings_amount" CHECK (amount_minor <> 0),
                CONSTRAINT "PK_7786b7f077747252ad519e9bda8" PRIMARY KEY ("account_id", "shard", "account_seq")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_postings_entry_line" ON "ledger_postings" ("entry_id", "line_no")
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_balances"
            ADD CONSTRAINT "fk_ledger_balances_account" FOREIGN KEY ("account_id") REFERENCES "ledger_accounts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_postings"
            ADD CONSTRAINT "fk_ledger_postings_entry" FOREIGN KEY ("entry_id") REFERENCES "ledger_entries"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        // Hand-written below (TypeORM cannot generate triggers, functions or seed rows): the ledger's
        // invariants live in the database so that no code path, and no stray SQL, can break them.
        // Customer accounts belong to customers: no account for an unknown user or a staff member.
        await queryRunner.query(`
            CREATE FUNCTION ledger_account_owner_check() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.customer_id AND role = 'customer') THEN
                    RAISE EXCEPTION 'customer % not found', NEW.customer_id
                USING ERRCODE = 'HM404', DETAIL = json_build_object('customerId', NEW.customer_id)::text;
                END IF;
                RETURN NEW;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_accounts_owner BEFORE INSERT ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION ledger_account_owner_check()
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_accounts_append_only BEFORE UPDATE OR DELETE ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()
        `);
        // Balance rows are born at zero with the bounds their account kind implies, change only from
        // inside the posting trigger (trigger depth >= 2), and are never deleted: a stray
        // "UPDATE ledger_balances" cannot make a balance drift from the sum of its postings.
        await queryRunner.query(`

            CREATE FUNCTION ledger_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
            $$
        `);
        // Balance rows are updated by every posting: room on each page keeps those updates HOT
        // (no index writes, no bloat).
        await queryRunner.query(`
            ALTER TABLE ledger_balances SET (fillfactor = 70)
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_balances_guard BEFORE INSERT OR UPDATE ON ledger_balances FOR EACH ROW EXECUTE FUNCTION ledger_balance_guard()
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_balances_no_delete BEFORE DELETE ON ledger_balances FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_balances_no_truncate BEFORE TRUNCATE ON ledger_balances FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()
        `);
        // Every posting moves its account (shard) balance in the same statement, under the row lock
        // of the balance: the guarded update refuses to cross the account's bound (a customer's
        // available balance never goes below zero, whatever the concurrency: a waiting UPDATE
        // re-checks the condition on the row version it finally locks). The posting takes its
        // currency, sequence number and balance-after from the locked row, never from the caller.
        await queryRunner.query(`

            CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
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
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting()
        `);
        // Double entry: at commit, the postings of every entry touched sum to zero per currency.
        await queryRunner.query(`

            CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
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
            $$
        `);
        await queryRunner.query(`
            CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()
        `);
        // Append-only journal: corrections are new entries.
        await queryRunner.query(`

            CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings FOR EACH ROW EXECUTE FUNCTION forbid_mutation()
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()
        `);
        // A customer's account id, opened (with its zero balance row) on first use.
        await queryRunner.query(`

            CREATE FUNCTION ledger_customer_account_id(p_customer uuid, p_currency text, p_name text) RETURNS bigint LANGUAGE plpgsql AS $$
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
            $$
        `);
        // One entry in one round trip: the idempotency key decides between posting, replaying (same
        // request hash: returns the first entry, moves nothing) and refusing (HM409). Lines are either
        // a known account id (platform accounts, with the shard the caller picked) or a customer
        // account by (customer, currency, bucket); the resolved account ids come back in line order.
        // Postings are inserted in (account, shard) order so concurrent entries lock balance rows in
        // one global order and cannot deadlock each other.
        await queryRunner.query(`

            CREATE FUNCTION ledger_post(
                p_type text, p_key text, p_reference text, p_actor_id uuid, p_actor_role text, p_hash text, p_posted_at timestamptz,
                p_account_ids bigint[], p_shards smallint[], p_customer_ids uuid[], p_names text[], p_currencies text[], p_amounts bigint[]
            ) RETURNS TABLE (o_entry_id bigint, o_replayed boolean, o_posted_at timestamptz, o_account_ids bigint[]) LANGUAGE plpgsql AS $$
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
            $$
        `);
        // Many entries in a few set-based statements (settlement): same rules as ledger_post, per
        // entry. Lines point at their entry by its 1-based position in the entry arrays.
        await queryRunner.query(`

            CREATE FUNCTION ledger_post_bulk(
                p_types text[], p_keys text[], p_references text[], p_hashes text[], p_actor_id uuid, p_actor_role text, p_posted_at timestamptz,
                p_line_entries int[], p_line_nos smallint[], p_account_ids bigint[], p_shards smallint[], p_customer_ids uuid[],
                p_names text[], p_currencies text[], p_amounts bigint[]
            ) RETURNS TABLE (o_ord int, o_entry_id bigint, o_replayed boolean, o_account_ids bigint[]) LANGUAGE plpgsql AS $$
            DECLARE
                v_new_ords int[];
                v_new_ids bigint[];
                v_missing text;
                v_conflict text;
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

                INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at)
                SELECT n.id, l.line_no, COALESCE(l.account_id, a.id), l.shard, l.amount, p_posted_at
                  FROM unnest(p_line_entries, p_line_nos, p_account_ids, p_shards, p_customer_ids, p_names, p_currencies, p_amounts)
                       AS l(entry_ord, line_no, account_id, shard, customer_id, name, currency, amount)
                  JOIN unnest(v_new_ords, v_new_ids) AS n(ord, id) ON n.ord = l.entry_ord
                  LEFT JOIN ledger_accounts a
                    ON l.account_id IS NULL AND a.customer_id = l.customer_id AND a.currency = l.currency AND a.name = l.name
                 ORDER BY 3, 4;

                RETURN QUERY
                SELECT i.ord::int, COALESCE(n.id, e.id), n.id IS NULL,
                       (SELECT array_agg(p.account_id ORDER BY p.line_no) FROM ledger_postings p WHERE p.entry_id = n.id)
                  FROM unnest(p_keys) WITH ORDINALITY AS i(key, ord)
                  LEFT JOIN unnest(v_new_ords, v_new_ids) AS n(ord, id) ON n.ord = i.ord
                  LEFT JOIN ledger_entries e ON n.id IS NULL AND e.idempotency_key = i.key
                 ORDER BY i.ord;
            END
            $$
        `);
        // The platform accounts (DESIGN.md section 4, plus the wallet, network fees and adjustments),
        // in both currencies, each spread over 16 balance shards.
        await queryRunner.query(`

            INSERT INTO ledger_accounts (name, currency, shard_count)
            SELECT n, c, 16
              FROM unnest(ARRAY['pool_receivable', 'electricity_revenue', 'management_revenue', 'house', 'customer_deposits',
                                'withdrawals_in_flight', 'sales_revenue', 'refunds', 'platform_wallet', 'network_fees', 'adjustments']) AS n
             CROSS JOIN unnest(ARRAY['BTC', 'USD']) AS c
        `);
        await queryRunner.query(`
            INSERT INTO ledger_balances (account_id, shard, currency)
            SELECT a.id, s, a.currency FROM ledger_accounts a CROSS JOIN LATERAL generate_series(0, a.shard_count - 1) AS s
             WHERE a.customer_id IS NULL
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP FUNCTION ledger_post_bulk`);
        await queryRunner.query(`DROP FUNCTION ledger_post`);
        await queryRunner.query(`DROP FUNCTION ledger_customer_account_id`);
        await queryRunner.query(`DROP TRIGGER ledger_postings_no_truncate ON ledger_postings`);
        await queryRunner.query(`DROP TRIGGER ledger_postings_append_only ON ledger_postings`);
        await queryRunner.query(`DROP TRIGGER ledger_entries_no_truncate ON ledger_entries`);
        await queryRunner.query(`DROP TRIGGER ledger_entries_append_only ON ledger_entries`);
        await queryRunner.query(`DROP TRIGGER ledger_postings_balanced ON ledger_postings`);
        await queryRunner.query(`DROP FUNCTION ledger_check_entry_balanced`);
        await queryRunner.query(`DROP TRIGGER ledger_postings_apply ON ledger_postings`);
        await queryRunner.query(`DROP FUNCTION ledger_apply_posting`);
        await queryRunner.query(`DROP TRIGGER ledger_balances_no_truncate ON ledger_balances`);
        await queryRunner.query(`DROP TRIGGER ledger_balances_no_delete ON ledger_balances`);
        await queryRunner.query(`DROP TRIGGER ledger_balances_guard ON ledger_balances`);
        await queryRunner.query(`DROP FUNCTION ledger_balance_guard`);
        await queryRunner.query(`DROP TRIGGER ledger_accounts_no_truncate ON ledger_accounts`);
        await queryRunner.query(`DROP TRIGGER ledger_accounts_append_only ON ledger_accounts`);
        await queryRunner.query(`DROP TRIGGER ledger_accounts_owner ON ledger_accounts`);
        await queryRunner.query(`DROP FUNCTION ledger_account_owner_check`);
        await queryRunner.query(`
            ALTER TABLE "ledger_postings" DROP CONSTRAINT "fk_ledger_postings_entry"
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_balances" DROP CONSTRAINT "fk_ledger_balances_account"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_postings_entry_line"
        `);
        await queryRunner.query(`
            DROP TABLE "ledger_postings"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_entries_idempotency_key"
        `);
        await queryRunner.query(`
            DROP TABLE "ledger_entries"
        `);
        await queryRunner.query(`
            DROP TABLE "ledger_balances"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_accounts_customer"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_accounts_platform"
        `);
        await queryRunner.query(`
            DROP TABLE "ledger_accounts"
        `);
    }

}
