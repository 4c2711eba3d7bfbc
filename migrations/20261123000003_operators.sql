-- Platform operators: whoever runs the deployment. They create tenants and see health; they
-- never see inside a tenant's business data. Not tenant data, so no row-level security.
CREATE TABLE platform_operators (
    id                   uuid        PRIMARY KEY,
    email                text        NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    password_hash        text        NOT NULL,
    disabled_at          timestamptz,
    sessions_valid_after timestamptz NOT NULL DEFAULT '-infinity',
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT platform_operators_email_key UNIQUE (email)
);

GRANT SELECT, INSERT, UPDATE ON platform_operators TO portal_app;

-- The operator's tenant list: names and counts only, nothing of the tenants' business.
CREATE FUNCTION operator_tenant_list()
RETURNS TABLE (id uuid, slug text, name text, created_at timestamptz, staff bigint,
               connected boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.slug, t.name, t.created_at,
           (SELECT count(*) FROM users u WHERE u.tenant_id = t.id AND u.kind = 'staff'),
           EXISTS (SELECT 1 FROM vobiz_connections c WHERE c.tenant_id = t.id)
    FROM tenants t ORDER BY t.created_at DESC
$$;
REVOKE ALL ON FUNCTION operator_tenant_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION operator_tenant_list() TO portal_app;
