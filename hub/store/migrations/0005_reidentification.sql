-- Re-identification by database identity (issue 12, docs/privacy.md "Re-identification").
--
-- Who asks is the session's database login (session_user), never what a command line says. The vault's originals
-- are readable only by the owner of these functions (the role that ran the migrations); the functions are the
-- gate:
--   hub_reidentify(pseudonym, reason)  checks that the login is a member of hub_police and that the reason names a
--                                      case and holds no personal data, writes the audit row, and answers with an
--                                      outcome and the audit id. It reveals nothing.
--   hub_reidentify_reveal(audit_id)    returns the originals of a granted request, only in a LATER transaction by
--                                      the same login within five minutes: the audit row is then committed, so no
--                                      value is ever seen whose audit a ROLLBACK could take back.
-- The audit is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE; nobody but the owner has a privilege on
-- it besides hub_auditor's SELECT) and hash-chained: each row holds the SHA-256 of the previous row's hash and its
-- own content; hub_verify_reidentification_audit() checks the chain. Only hub_purge_reidentification_audit
-- deletes, the oldest rows first, and keeps the last deleted row's hash as the anchor the chain goes on from.

-- Outcome 'revealed' means: access granted and the vault holds the pseudonym (the values are then fetched by
-- hub_reidentify_reveal). The reason of a refused request is not stored (it may be what made it refused).
ALTER TABLE reidentification_audit
    ADD COLUMN prev_hash text,
    ADD COLUMN row_hash  text;
COMMENT ON COLUMN reidentification_audit.user_name IS 'session_user of the database session that asked';
COMMENT ON COLUMN reidentification_audit.role IS 'hub_police when the login was a member, else (not hub_police)';
COMMENT ON COLUMN reidentification_audit.prev_hash IS 'row_hash of the previous row (or the anchor, or 64 zeros)';
COMMENT ON COLUMN reidentification_audit.row_hash IS 'sha256(prev_hash || canonical JSON of this row), hex';

-- The hash of the last row the purge deleted: where the remaining chain starts. One row at most.
CREATE TABLE reidentification_audit_anchor (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id    bigint      NOT NULL,
    last_hash  text        NOT NULL,
    purged     bigint      NOT NULL,  -- rows deleted by purges so far
    purged_at  timestamptz NOT NULL
);
REVOKE ALL ON reidentification_audit_anchor FROM PUBLIC;
GRANT SELECT ON reidentification_audit_anchor TO hub_auditor;

CREATE FUNCTION hub_audit_row_hash(prev text, a reidentification_audit) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(prev || jsonb_build_array(
        a.id, to_char(a.attempted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        a.user_name, a.role, a.reason, a.pseudonym, a.outcome)::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION hub_audit_chain_head() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT row_hash FROM reidentification_audit ORDER BY id DESC LIMIT 1),
        (SELECT last_hash FROM reidentification_audit_anchor),
        repeat('0', 64))
$$;

-- Existing rows join the chain in id order.
DO $$
DECLARE
    r reidentification_audit;
    prev text := repeat('0', 64);
BEGIN
    FOR r IN SELECT * FROM reidentification_audit ORDER BY id LOOP
        UPDATE reidentification_audit SET prev_hash = prev, row_hash = hub_audit_row_hash(prev, r) WHERE id = r.id
            RETURNING row_hash INTO prev;
    END LOOP;
END
$$;
ALTER TABLE reidentification_audit ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN row_hash SET NOT NULL;

-- Chaining: one writer at a time (the lock is held to commit), the id drawn under the lock (not by a column
-- default, drawn before the trigger runs), so id order is chain order and ids have no gaps but rolled-back inserts.
ALTER TABLE reidentification_audit ALTER COLUMN id DROP DEFAULT;
CREATE FUNCTION hub_audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE reidentification_audit IN SHARE ROW EXCLUSIVE MODE;
    NEW.id := nextval(pg_get_serial_sequence('reidentification_audit', 'id'));
    NEW.prev_hash := hub_audit_chain_head();
    NEW.row_hash := hub_audit_row_hash(NEW.prev_hash, NEW);
    RETURN NEW;
END
$$;
CREATE TRIGGER reidentification_audit_chain BEFORE INSERT ON reidentification_audit
    FOR EACH ROW EXECUTE FUNCTION hub_audit_chain();

CREATE FUNCTION hub_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('hub.audit_purge', true) = 'on' THEN
        RETURN OLD;  -- hub_purge_reidentification_audit, deleting the oldest rows
    END IF;
    RAISE EXCEPTION 'the re-identification audit is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER reidentification_audit_append_only BEFORE UPDATE OR DELETE ON reidentification_audit
    FOR EACH ROW EXECUTE FUNCTION hub_audit_append_only();
CREATE TRIGGER reidentification_audit_no_truncate BEFORE TRUNCATE ON reidentification_audit
    FOR EACH STATEMENT EXECUTE FUNCTION hub_audit_append_only();

-- A case reference (docs/privacy.md): letters, then digit groups with at least five digits in all, joined by - or
-- / (E-2026-11-123, VG/123/26, PI-HAL-E-0000123); or a public prosecutor's file number (123 Js 4567/26).
-- Mirrored by hub.privacy.vault.CASE_REFERENCE_PATTERNS; tests hold both to the same examples.
CREATE FUNCTION hub_case_references(reason text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
    SELECT m[1] FROM regexp_matches(reason,
        '(?:^|[^A-Za-z0-9])([A-Z]{1,6}(?:[-/][A-Z]{1,6}){0,3}[-/][0-9]{1,8}(?:[-/][0-9]{1,8}){0,3})(?![A-Za-z0-9])',
        'g') AS m
    WHERE length(regexp_replace(m[1], '[^0-9]', '', 'g')) >= 5
    UNION ALL
    SELECT m[1] FROM regexp_matches(reason,
        '(?:^|[^A-Za-z0-9])([0-9]{1,5} (?:Js|UJs|Ds|Cs|Ls|AR|VRs|Gs) [0-9]{1,7}/[0-9]{2})(?![A-Za-z0-9])', 'g') AS m
$$;

-- Why a reason is refused, or NULL. The cheap SQL half of the check (the CLI also runs the scrubber first, which
-- finds names): a case reference; besides it at least two words of three letters; no e-mail address and no number
-- of five or more digits (a phone, an ID, a date of birth: the case reference is what identifies the matter).
CREATE FUNCTION hub_reason_problem(reason text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    rest text := reason;
    ref text;
    found boolean := false;
BEGIN
    IF reason IS NULL OR length(reason) > 300 THEN
        RETURN 'a reason of at most 300 characters is required';
    END IF;
    FOR ref IN SELECT hub_case_references(reason) LOOP
        found := true;
        rest := replace(rest, ref, ' ');
    END LOOP;
    IF NOT found THEN
        RETURN 'no case reference (e.g. E-2026-11-123, VG/123/26 or 123 Js 4567/26)';
    END IF;
    IF position('@' IN rest) > 0 THEN
        RETURN 'an e-mail address';
    END IF;
    IF rest ~ '[0-9]([ ./-]?[0-9]){4,}' THEN
        RETURN 'a number of five or more digits (phone, ID, date)';
    END IF;
    -- Words as runs of anything but blanks, digits and punctuation: [[:alpha:]] misses umlauts in the C locale.
    IF (SELECT count(*) FROM regexp_matches(rest, '[^[:space:][:digit:][:punct:]]{3,}', 'g')) < 2 THEN
        RETURN 'besides the case reference, at least two words saying why';
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION hub_reidentify(p_pseudonym text, p_reason text)
RETURNS TABLE (outcome text, audit_id bigint, problem text)
LANGUAGE plpgsql SECURITY DEFINER AS $$
#variable_conflict use_column
DECLARE
    v_police  boolean := pg_has_role(session_user, 'hub_police', 'MEMBER');
    v_ps      text := btrim(coalesce(p_pseudonym, ''));
    v_reason  text := btrim(regexp_replace(coalesce(p_reason, ''), '\s+', ' ', 'g'));
    v_problem text := hub_reason_problem(v_reason);
    v_shaped  boolean := v_ps ~ '^ps1\.[A-Za-z0-9_-]{1,16}\.[a-z2-7]{26}$';
    v_outcome text;
    v_id      bigint;
BEGIN
    IF NOT v_police THEN
        v_outcome := 'refused_role';
    ELSIF v_problem IS NOT NULL THEN
        v_outcome := 'refused_reason';
    ELSIF NOT v_shaped THEN
        v_outcome := 'refused_pseudonym';
    ELSIF EXISTS (SELECT 1 FROM police_pseudonym_vault v WHERE v.pseudonym = v_ps AND v.expires_at > now()) THEN
        v_outcome := 'revealed';
    ELSE
        v_outcome := 'not_found';
    END IF;
    INSERT INTO reidentification_audit (user_name, role, reason, pseudonym, outcome)
    VALUES (session_user,
            CASE WHEN v_police THEN 'hub_police' ELSE '(not hub_police)' END,
            CASE WHEN v_problem IS NULL THEN v_reason ELSE '(withheld: ' || v_problem || ')' END,
            CASE WHEN v_shaped THEN v_ps ELSE '(not a pseudonym)' END,
            v_outcome)
    RETURNING id INTO v_id;
    RETURN QUERY SELECT v_outcome, v_id, v_problem;
END
$$;

CREATE FUNCTION hub_reidentify_reveal(p_audit_id bigint)
RETURNS TABLE (field text, domain text, original text)
LANGUAGE plpgsql SECURITY DEFINER AS $$
#variable_conflict use_column
DECLARE
    a reidentification_audit;
BEGIN
    SELECT * INTO a FROM reidentification_audit WHERE id = p_audit_id;
    IF a.id IS NULL OR a.outcome <> 'revealed' OR a.user_name <> session_user::text
       OR NOT pg_has_role(session_user, 'hub_police', 'MEMBER') THEN
        RAISE EXCEPTION 'no granted re-identification request % of this login', p_audit_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Inserted by this very transaction (not yet committed, so a ROLLBACK could remove it): refused.
    IF a.attempted_at >= now() THEN
        RAISE EXCEPTION 'request % must be committed before its values are revealed', p_audit_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF a.attempted_at < now() - interval '5 minutes' THEN
        RAISE EXCEPTION 'request % has expired; ask again', p_audit_id USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN QUERY SELECT v.field, v.domain, v.original FROM police_pseudonym_vault v
        WHERE v.pseudonym = a.pseudonym AND v.expires_at > now() ORDER BY v.field;
END
$$;

CREATE FUNCTION hub_verify_reidentification_audit()
RETURNS TABLE (ok boolean, rows_checked bigint, first_bad_id bigint, problem text, head_id bigint, head_hash text)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    r reidentification_audit;
    expected text := coalesce((SELECT last_hash FROM reidentification_audit_anchor), repeat('0', 64));
    n bigint := 0;
    last_id bigint;
BEGIN
    FOR r IN SELECT * FROM reidentification_audit ORDER BY id LOOP
        n := n + 1;
        IF r.prev_hash IS DISTINCT FROM expected THEN
            RETURN QUERY SELECT false, n, r.id, 'prev_hash does not match the previous row (a row removed or inserted)',
                last_id, expected;
            RETURN;
        END IF;
        IF r.row_hash IS DISTINCT FROM hub_audit_row_hash(r.prev_hash, r) THEN
            RETURN QUERY SELECT false, n, r.id, 'row_hash does not match the row (a row changed)', last_id, expected;
            RETURN;
        END IF;
        expected := r.row_hash;
        last_id := r.id;
    END LOOP;
    RETURN QUERY SELECT true, n, NULL::bigint, NULL::text, last_id, expected;
END
$$;

CREATE FUNCTION hub_purge_reidentification_audit(p_cutoff timestamptz, p_dry_run boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    keep_from bigint;
    v_last reidentification_audit;
    n bigint;
BEGIN
    IF NOT pg_has_role(session_user, 'hub_purge', 'MEMBER') THEN
        RAISE EXCEPTION 'only members of hub_purge purge the re-identification audit' USING ERRCODE = 'insufficient_privilege';
    END IF;
    LOCK TABLE reidentification_audit IN SHARE ROW EXCLUSIVE MODE;
    -- The oldest rows only, up to the first one at or after the cutoff: the chain stays whole from the anchor.
    SELECT min(id) INTO keep_from FROM reidentification_audit WHERE attempted_at >= p_cutoff;
    SELECT * INTO v_last FROM reidentification_audit WHERE keep_from IS NULL OR id < keep_from ORDER BY id DESC LIMIT 1;
    IF v_last.id IS NULL THEN
        RETURN 0;
    END IF;
    SELECT count(*) INTO n FROM reidentification_audit WHERE id <= v_last.id;
    IF p_dry_run THEN
        RETURN n;
    END IF;
    PERFORM set_config('hub.audit_purge', 'on', true);
    DELETE FROM reidentification_audit WHERE id <= v_last.id;
    PERFORM set_config('hub.audit_purge', 'off', true);
    INSERT INTO reidentification_audit_anchor AS x (last_id, last_hash, purged, purged_at)
    VALUES (v_last.id, v_last.row_hash, n, now())
    ON CONFLICT (singleton) DO UPDATE
        SET last_id = EXCLUDED.last_id, last_hash = EXCLUDED.last_hash, purged = x.purged + EXCLUDED.purged,
            purged_at = EXCLUDED.purged_at;
    RETURN n;
END
$$;

-- SECURITY DEFINER functions resolve names only in this schema and pg_catalog (searched first), never in a schema
-- a caller could create objects in.
DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['hub_reidentify(text, text)', 'hub_reidentify_reveal(bigint)',
                             'hub_verify_reidentification_audit()',
                             'hub_purge_reidentification_audit(timestamptz, boolean)'] LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

-- Every login may ASK (the function refuses and audits whoever is not in hub_police: an attempt by another role is
-- on record too); only hub_police can fetch values, and hub_purge purge.
GRANT EXECUTE ON FUNCTION hub_reidentify(text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION hub_reidentify_reveal(bigint) TO hub_police;
GRANT EXECUTE ON FUNCTION hub_verify_reidentification_audit() TO hub_police, hub_auditor;
GRANT EXECUTE ON FUNCTION hub_purge_reidentification_audit(timestamptz, boolean) TO hub_purge;
