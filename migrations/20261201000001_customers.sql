-- Customers and wallets: a local mirror of each tenant's Vobiz accounts, their sealed
-- credentials, and the intents that make transfers and purchases happen exactly once.
-- Every table carries tenant_id and sits behind the same row-level wall as the identity tables.

-- The tenant's Vobiz accounts as last read: partner customer accounts (MA_, own wallet),
-- sub-accounts (SA_) of the pool account (billed to it), and the pool account itself.
CREATE TABLE vobiz_accounts (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id),
    auth_id          text        NOT NULL CHECK (auth_id ~ '^(MA|SA)_[A-Za-z0-9_]+$'),
    kind             text        NOT NULL CHECK (kind IN ('customer', 'sub_account', 'pool')),
    parent_auth_id   text,
    name             text        NOT NULL DEFAULT '',
    email            text,
    phone            text,
    company          text,
    country          text,
    currency         text,
    kyc_status       text,
    kyc_mode         text,
    business_type    text,
    balance          numeric(20, 5),
    is_active        boolean     NOT NULL DEFAULT true,
    vobiz_created_at timestamptz,
    -- When this row was last written from something Vobiz said.
    synced_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, auth_id),
    CONSTRAINT vobiz_accounts_sub_has_parent CHECK ((kind = 'sub_account') = (parent_auth_id IS NOT NULL))
);
CREATE INDEX vobiz_accounts_name_idx ON vobiz_accounts (tenant_id, lower(name));
CREATE INDEX vobiz_accounts_created_idx ON vobiz_accounts (tenant_id, vobiz_created_at DESC);

-- Customer account tokens (from creating the customer, or fetched from the partner API), sealed
-- by the vault and bound to tenant, purpose and account id.
CREATE TABLE vobiz_account_credentials (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id),
    auth_id    text        NOT NULL,
    key_id     text        NOT NULL,
    nonce      bytea       NOT NULL,
    token      bytea       NOT NULL,
    token_mask text        NOT NULL,
    source     text        NOT NULL CHECK (source IN ('created', 'fetched')),
    stored_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, auth_id)
);

-- Background refreshes of the mirror: one row per run, for progress and "last refreshed".
CREATE TABLE sync_runs (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES tenants (id),
    kind        text        NOT NULL CHECK (kind IN ('accounts')),
    trigger     text        NOT NULL CHECK (trigger IN ('schedule', 'manual', 'change', 'command')),
    status      text        NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    done        integer     NOT NULL DEFAULT 0,
    total       integer,
    error       text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX sync_runs_latest_idx ON sync_runs (tenant_id, kind, started_at DESC);

-- Wallet transfers from the partner to a customer. Vobiz has no idempotency key for them, so
-- each is an intent with a key of ours: a repeated post with the same key is the same transfer.
-- pending: recorded, Vobiz being asked; completed/failed: Vobiz said so (or reconciliation
-- found out); unknown: the answer was lost, to be reconciled from the customer's ledger by the
-- marker the description carries.
CREATE TABLE wallet_transfers (
    id                     uuid          PRIMARY KEY,
    tenant_id              uuid          NOT NULL REFERENCES tenants (id),
    idempotency_key        uuid          NOT NULL,
    customer_auth_id       text          NOT NULL,
    amount                 numeric(20, 5) NOT NULL CHECK (amount > 0),
    currency               text          NOT NULL,
    note                   text          NOT NULL DEFAULT '',
    marker                 text          NOT NULL,
    state                  text          NOT NULL CHECK (state IN ('pending', 'completed', 'failed', 'unknown')),
    vobiz_transaction_id   text,
    partner_balance_after  numeric(20, 5),
    customer_balance_after numeric(20, 5),
    error                  text,
    requested_by           uuid          REFERENCES users (id),
    requested_by_email     text,
    created_at             timestamptz   NOT NULL DEFAULT now(),
    updated_at             timestamptz   NOT NULL DEFAULT now(),
    resolved_at            timestamptz,
    CONSTRAINT wallet_transfers_key UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT wallet_transfers_marker UNIQUE (tenant_id, marker)
);
CREATE INDEX wallet_transfers_customer_idx ON wallet_transfers (tenant_id, customer_auth_id, created_at DESC);
CREATE INDEX wallet_transfers_open_idx ON wallet_transfers (tenant_id, state) WHERE state IN ('pending', 'unknown');

-- Purchases of a number from inventory into a customer's account or the pool, as intents of
-- the same kind. At most one open purchase of a number per tenant at a time.
CREATE TABLE number_purchases (
    id                 uuid           PRIMARY KEY,
    tenant_id          uuid           NOT NULL REFERENCES tenants (id),
    idempotency_key    uuid           NOT NULL,
    e164               text           NOT NULL CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    buyer_auth_id      text           NOT NULL,
    for_auth_id        text           NOT NULL,
    expected_cost      numeric(20, 5) NOT NULL,
    currency           text           NOT NULL,
    state              text           NOT NULL CHECK (state IN ('pending', 'completed', 'failed', 'unknown')),
    error              text,
    requested_by       uuid           REFERENCES users (id),
    requested_by_email text,
    created_at         timestamptz    NOT NULL DEFAULT now(),
    updated_at         timestamptz    NOT NULL DEFAULT now(),
    resolved_at        timestamptz,
    CONSTRAINT number_purchases_key UNIQUE (tenant_id, idempotency_key)
);
CREATE UNIQUE INDEX number_purchases_one_open ON number_purchases (tenant_id, e164)
    WHERE state IN ('pending', 'unknown');
CREATE INDEX number_purchases_for_idx ON number_purchases (tenant_id, for_auth_id, created_at DESC);

-- Provisioning of a customer through the onboarding steps. What is done is read from the
-- real state (wallet, numbers, users); this row remembers that an onboarding is under way.
CREATE TABLE onboardings (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id),
    customer_auth_id text        NOT NULL,
    started_by       uuid        REFERENCES users (id),
    started_at       timestamptz NOT NULL DEFAULT now(),
    routing_checked_at timestamptz,
    completed_at     timestamptz,
    PRIMARY KEY (tenant_id, customer_auth_id)
);

CREATE INDEX users_customer_idx ON users (tenant_id, customer_ref) WHERE kind = 'customer';

GRANT SELECT, INSERT, UPDATE, DELETE ON vobiz_accounts TO portal_app;
GRANT SELECT, INSERT, UPDATE ON vobiz_account_credentials TO portal_app;
GRANT SELECT, INSERT, UPDATE ON sync_runs TO portal_app;
GRANT SELECT, INSERT, UPDATE ON wallet_transfers, number_purchases, onboardings TO portal_app;

ALTER TABLE vobiz_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE vobiz_account_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE wallet_transfers ENABLE ROW LEVEL SECURITY;
ALTER TABLE number_purchases ENABLE ROW LEVEL SECURITY;
ALTER TABLE onboardings ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_scope ON vobiz_accounts TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON vobiz_account_credentials TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON sync_runs TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON wallet_transfers TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON number_purchases TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_scope ON onboardings TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Background work runs for every connected tenant; before it names a tenant it needs their ids.
CREATE FUNCTION connected_tenants() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT tenant_id FROM vobiz_connections ORDER BY tenant_id
$$;
REVOKE ALL ON FUNCTION connected_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION connected_tenants() TO portal_app;
