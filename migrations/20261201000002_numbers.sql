-- Numbers: a local, tenant-scoped mirror of every DID the tenant holds (the pool's, its
-- sub-accounts' and its customers'), refreshed by a background sync and by the portal's own
-- changes, so oversight views filter tens of thousands of numbers without walking Vobiz.

CREATE TABLE numbers (
    tenant_id          uuid           NOT NULL REFERENCES tenants (id),
    e164               text           NOT NULL CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    number_id          text           NOT NULL,
    -- Who holds it (MA_/SA_) and whose wallet pays its rental (the pool for a sub-account).
    owner_auth_id      text           NOT NULL,
    billing_auth_id    text           NOT NULL,
    country            text,
    region             text,
    status             text           NOT NULL,
    voice              boolean        NOT NULL DEFAULT false,
    sms                boolean        NOT NULL DEFAULT false,
    mms                boolean        NOT NULL DEFAULT false,
    fax                boolean        NOT NULL DEFAULT false,
    setup_fee          numeric(20, 5) NOT NULL,
    monthly_fee        numeric(20, 5) NOT NULL,
    currency           text,
    application_id     text,
    voice_enabled      boolean,
    provider           text,
    source             text,
    tags               jsonb          NOT NULL DEFAULT '[]'::jsonb,
    is_trial           boolean        NOT NULL DEFAULT false,
    minimum_commitment_months integer,
    aadhaar_required   boolean        NOT NULL DEFAULT false,
    aadhaar_verified   boolean        NOT NULL DEFAULT false,
    purchased_at       timestamptz,
    last_billing_date  timestamptz,
    next_billing_date  timestamptz,
    released_at        timestamptz,
    trunk_group_id     text,
    vobiz_created_at   timestamptz,
    vobiz_updated_at   timestamptz,
    -- What the portal learnt from its own changes: a pending release's window and fee, and a
    -- cool-off Vobiz reported.
    release_cooldown_ends_at timestamptz,
    release_fee        numeric(20, 5),
    cool_off_until     timestamptz,
    synced_at          timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, e164)
);
CREATE INDEX numbers_owner_idx ON numbers (tenant_id, owner_auth_id);
CREATE INDEX numbers_billing_idx ON numbers (tenant_id, billing_auth_id);
CREATE INDEX numbers_renewal_idx ON numbers (tenant_id, next_billing_date);
CREATE INDEX numbers_place_idx ON numbers (tenant_id, country, region);

ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_kind_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_kind_check CHECK (kind IN ('accounts', 'numbers'));

GRANT SELECT, INSERT, UPDATE, DELETE ON numbers TO portal_app;
ALTER TABLE numbers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON numbers TO portal_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
