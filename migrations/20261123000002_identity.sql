-- Tenants, people, invitations, stored credentials and the audit log.
--
-- Every row of tenant data carries tenant_id. Row-level security is the second wall behind
-- the application's own scoping: the portal's queries run as the role portal_app (no
-- BYPASSRLS), and each transaction names its tenant with set_config('app.tenant_id', …).

DO $$
BEGIN
    CREATE ROLE portal_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- roles are cluster-wide; another database on this server created it already
END
$$;

-- The connecting user switches to portal_app for the application's work.
DO $$
BEGIN
    EXECUTE format('GRANT portal_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    NULL; -- already a member
END
$$;

-- The tenant the current transaction works for, or NULL.
CREATE FUNCTION app_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

CREATE TABLE tenants (
    id           uuid        PRIMARY KEY,
    slug         text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name         text        NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
    require_totp boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- People who sign in. Staff have a role; customer users are bound to one customer account.
CREATE TABLE users (
    id             uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL REFERENCES tenants (id),
    email          text        NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    display_name   text        NOT NULL DEFAULT '',
    kind           text        NOT NULL CHECK (kind IN ('staff', 'customer')),
    role           text        CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    customer_ref   text,
    password_hash  text,
    totp_key_id    text,
    totp_nonce     bytea,
    totp_secret    bytea,
    disabled_at    timestamptz,
    -- Sessions that began before this instant are over ("sign out everywhere", disabling).
    sessions_valid_after timestamptz NOT NULL DEFAULT '-infinity',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_kind_shape CHECK (
        (kind = 'staff' AND role IS NOT NULL AND customer_ref IS NULL)
        OR (kind = 'customer' AND role IS NULL AND customer_ref IS NOT NULL)
    )
);
CREATE INDEX users_tenant_idx ON users (tenant_id);

-- Single-use links: invitations and set-password links. Only a hash of the token is kept.
CREATE TABLE invitations (
    id           uuid        PRIMARY KEY,
    tenant_id    uuid        NOT NULL REFERENCES tenants (id),
    user_id      uuid        NOT NULL REFERENCES users (id),
    token_hash   bytea       NOT NULL UNIQUE,
    purpose      text        NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by   uuid        REFERENCES users (id),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_tenant_idx ON invitations (tenant_id);

-- Each tenant's Vobiz connection. Tokens are sealed by the vault (AES-256-GCM, bound to
-- tenant and purpose); only their masked form is ever shown.
CREATE TABLE vobiz_connections (
    tenant_id          uuid        PRIMARY KEY REFERENCES tenants (id),
    base_url           text        NOT NULL,
    partner_auth_id    text        NOT NULL,
    partner_key_id     text        NOT NULL,
    partner_nonce      bytea       NOT NULL,
    partner_token      bytea       NOT NULL,
    partner_token_mask text        NOT NULL,
    pool_auth_id       text,
    pool_key_id        text,
    pool_nonce         bytea,
    pool_token         bytea,
    pool_token_mask    text,
    partner_name       text        NOT NULL DEFAULT '',
    currency           text        NOT NULL DEFAULT '',
    verified_at        timestamptz NOT NULL,
    updated_by         uuid        REFERENCES users (id),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pool_all_or_nothing CHECK (
        (pool_auth_id IS NULL) = (pool_token IS NULL)
        AND (pool_token IS NULL) = (pool_key_id IS NULL)
        AND (pool_token IS NULL) = (pool_nonce IS NULL)
    )
);

-- Sign-in attempts, for throttling by account and by client address.
CREATE TABLE login_attempts (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text        NOT NULL,
    client_ip  inet,
    succeeded  boolean     NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, at DESC);
CREATE INDEX login_attempts_ip_idx ON login_attempts (client_ip, at DESC);

-- The audit log: append-only, and per tenant a hash chain (hash = sha256(prev_hash ‖ entry)).
CREATE TABLE audit_log (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid        NOT NULL REFERENCES tenants (id),
    seq          bigint      NOT NULL,
    at           timestamptz NOT NULL,
    actor_id     uuid,
    actor_email  text,
    actor_role   text,
    action       text        NOT NULL,
    target_type  text,
    target_id    text,
    params       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    outcome      text        NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed', 'unknown')),
    upstream_status integer,
    upstream_message text,
    request_id   text,
    client_ip    inet,
    prev_hash    bytea       NOT NULL,
    hash         bytea       NOT NULL,
    CONSTRAINT audit_log_chain_key UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant_id, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (tenant_id, target_type, target_id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- What portal_app may touch.
GRANT USAGE ON SCHEMA public, tower_sessions TO portal_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tower_sessions.session TO portal_app;
GRANT SELECT ON tenants TO portal_app;
GRANT INSERT, UPDATE ON tenants TO portal_app;
GRANT SELECT, INSERT, UPDATE ON users, invitations, vobiz_connections TO portal_app;
GRANT SELECT, INSERT ON login_attempts TO portal_app;
GRANT SELECT, INSERT ON audit_log TO portal_app;
GRANT EXECUTE ON FUNCTION app_tenant() TO portal_app;
GRANT SELECT ON _sqlx_migrations TO portal_app;

-- The second wall: rows of another tenant are invisible and untouchable.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE vobiz_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_scope ON tenants TO portal_app
    USING (id = app_tenant()) WITH CHECK (id = app_tenant());
CREATE POLICY tenant_scope ON users TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON invitations TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON vobiz_connections TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON audit_log TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Before sign-in the tenant is not known: these two look-ups see across tenants, and return
-- only what signing in or accepting a link needs.
CREATE FUNCTION sign_in_lookup(p_email text)
RETURNS TABLE (user_id uuid, tenant_id uuid, password_hash text, disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id, tenant_id, password_hash, disabled_at IS NOT NULL
    FROM users WHERE email = lower(p_email)
$$;

CREATE FUNCTION link_lookup(p_token_hash bytea)
RETURNS TABLE (invitation_id uuid, tenant_id uuid, user_id uuid, purpose text,
               expires_at timestamptz, used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id, tenant_id, user_id, purpose, expires_at, used_at
    FROM invitations WHERE token_hash = p_token_hash
$$;

REVOKE ALL ON FUNCTION sign_in_lookup(text), link_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sign_in_lookup(text), link_lookup(bytea) TO portal_app;

-- The bytes an audit entry's hash covers: every field, in a fixed order and format.
CREATE FUNCTION audit_payload(
    p_tenant_id uuid, p_seq bigint, p_at timestamptz, p_actor_id uuid, p_actor_email text,
    p_actor_role text, p_action text, p_target_type text, p_target_id text, p_params jsonb,
    p_outcome text, p_upstream_status integer, p_upstream_message text, p_request_id text,
    p_client_ip inet
) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(jsonb_build_array(
        p_tenant_id, p_seq, to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        p_actor_id, p_actor_email, p_actor_role, p_action, p_target_type, p_target_id, p_params,
        p_outcome, p_upstream_status, p_upstream_message, p_request_id, host(p_client_ip)
    )::text, 'UTF8')
$$;
GRANT EXECUTE ON FUNCTION audit_payload(uuid, bigint, timestamptz, uuid, text, text, text, text, text, jsonb, text, integer, text, text, inet) TO portal_app;
