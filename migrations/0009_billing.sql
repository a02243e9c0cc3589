-- Billing, per workspace (the billing boundary): the Stripe customer, subscriptions, invoices and metered usage.
-- Billing rows are records the business must keep: nothing here cascades from a workspace, and a workspace with a
-- billing customer cannot be deleted until billing is closed out.

CREATE TABLE billing_customers (
  id text NOT NULL,
  workspace_id text NOT NULL,
  stripe_customer_id text NOT NULL,
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT billing_customers_pkey PRIMARY KEY (id),
  CONSTRAINT billing_customers_id_format CHECK (id ~ '^cus_[0-9a-z]{24}$'),
  CONSTRAINT billing_customers_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE RESTRICT,
  CONSTRAINT billing_customers_workspace_unique UNIQUE (workspace_id),
  -- lets subscriptions and invoices prove their customer is their workspace's
  CONSTRAINT billing_customers_workspace_key_unique UNIQUE (workspace_id, id),
  CONSTRAINT billing_customers_stripe_customer_id_unique UNIQUE (stripe_customer_id),
  CONSTRAINT billing_customers_email_shape
    CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$')
);
CREATE TRIGGER billing_customers_touch_updated_at BEFORE UPDATE ON billing_customers
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE subscriptions (
  id text NOT NULL,
  workspace_id text NOT NULL,
  customer_id text NOT NULL,
  stripe_subscription_id text NOT NULL,
  plan text NOT NULL,
  status text NOT NULL,
  current_period_start timestamptz NOT NULL,
  current_period_end timestamptz NOT NULL,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT subscriptions_pkey PRIMARY KEY (id),
  CONSTRAINT subscriptions_id_format CHECK (id ~ '^sub_[0-9a-z]{24}$'),
  CONSTRAINT subscriptions_customer_fk FOREIGN KEY (workspace_id, customer_id)
    REFERENCES billing_customers (workspace_id, id) ON DELETE RESTRICT,
  CONSTRAINT subscriptions_stripe_subscription_id_unique UNIQUE (stripe_subscription_id),
  CONSTRAINT subscriptions_plan_known CHECK (plan IN ('hobby', 'pro', 'team', 'enterprise')),
  CONSTRAINT subscriptions_status_known CHECK (
    status IN ('trialing', 'active', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused')
  ),
  CONSTRAINT subscriptions_period_ordered CHECK (current_period_end > current_period_start)
);
CREATE INDEX subscriptions_workspace_idx ON subscriptions (workspace_id);
CREATE TRIGGER subscriptions_touch_updated_at BEFORE UPDATE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE invoices (
  id text NOT NULL,
  workspace_id text NOT NULL,
  customer_id text NOT NULL,
  stripe_invoice_id text NOT NULL,
  status text NOT NULL,
  currency text NOT NULL DEFAULT 'usd',
  amount_due_cents bigint NOT NULL,
  amount_paid_cents bigint NOT NULL DEFAULT 0,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  hosted_invoice_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT invoices_pkey PRIMARY KEY (id),
  CONSTRAINT invoices_id_format CHECK (id ~ '^inv_[0-9a-z]{24}$'),
  CONSTRAINT invoices_customer_fk FOREIGN KEY (workspace_id, customer_id)
    REFERENCES billing_customers (workspace_id, id) ON DELETE RESTRICT,
  CONSTRAINT invoices_stripe_invoice_id_unique UNIQUE (stripe_invoice_id),
  CONSTRAINT invoices_status_known CHECK (status IN ('draft', 'open', 'paid', 'uncollectible', 'void')),
  CONSTRAINT invoices_currency_iso4217 CHECK (currency ~ '^[a-z]{3}$'),
  CONSTRAINT invoices_amount_due_non_negative CHECK (amount_due_cents >= 0),
  CONSTRAINT invoices_amount_paid_non_negative CHECK (amount_paid_cents >= 0),
  CONSTRAINT invoices_period_ordered CHECK (period_end >= period_start),
  CONSTRAINT invoices_hosted_invoice_url_https CHECK (hosted_invoice_url ~ '^https://[^[:space:]]+$')
);
CREATE INDEX invoices_workspace_idx ON invoices (workspace_id, period_start);
CREATE TRIGGER invoices_touch_updated_at BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE usage_records (
  id text NOT NULL,
  workspace_id text NOT NULL,
  -- labels, like the tenant key on metrics: usage must still be billable after the service is deleted,
  -- so these carry no foreign key
  project_id text,
  environment_id text,
  service_id text,
  metric text NOT NULL,
  quantity numeric NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  -- when it was reported to Stripe; null until then
  reported_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT usage_records_pkey PRIMARY KEY (id),
  CONSTRAINT usage_records_id_format CHECK (id ~ '^usg_[0-9a-z]{24}$'),
  CONSTRAINT usage_records_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE RESTRICT,
  CONSTRAINT usage_records_project_id_format CHECK (project_id ~ '^prj_[0-9a-z]{24}$'),
  CONSTRAINT usage_records_environment_id_format CHECK (environment_id ~ '^env_[0-9a-z]{24}$'),
  CONSTRAINT usage_records_service_id_format CHECK (service_id ~ '^svc_[0-9a-z]{24}$'),
  -- a service's usage names its environment and project too
  CONSTRAINT usage_records_scope_nested CHECK (
    (service_id IS NULL OR environment_id IS NOT NULL) AND (environment_id IS NULL OR project_id IS NOT NULL)
  ),
  CONSTRAINT usage_records_metric_known
    CHECK (metric IN ('cpu_seconds', 'memory_gb_seconds', 'egress_bytes', 'volume_gb_hours', 'build_minutes')),
  CONSTRAINT usage_records_quantity_non_negative CHECK (quantity >= 0),
  CONSTRAINT usage_records_period_ordered CHECK (period_end > period_start),
  -- reporting the same period twice is a no-op (ON CONFLICT), never a double charge
  CONSTRAINT usage_records_once_per_period
    UNIQUE NULLS NOT DISTINCT (workspace_id, metric, service_id, period_start)
);
CREATE INDEX usage_records_tenant_idx ON usage_records (project_id, environment_id, service_id, period_start);
-- rows still to send to Stripe
CREATE INDEX usage_records_unreported_idx ON usage_records (period_end) WHERE reported_at IS NULL;
CREATE TRIGGER usage_records_touch_updated_at BEFORE UPDATE ON usage_records
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
