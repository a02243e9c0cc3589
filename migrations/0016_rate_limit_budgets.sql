-- Rate-limit budgets: token buckets of `capacity` requests refilled at `refill_per_minute`. The gateway reads these
-- at start-up; the rows below are the defaults.

CREATE TABLE rate_limit_budgets (
  name text NOT NULL,
  capacity integer NOT NULL,
  refill_per_minute integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rate_limit_budgets_pkey PRIMARY KEY (name),
  CONSTRAINT rate_limit_budgets_name_shape CHECK (name ~ '^[a-z][a-z_]{0,62}$'),
  CONSTRAINT rate_limit_budgets_capacity_positive CHECK (capacity > 0),
  CONSTRAINT rate_limit_budgets_refill_positive CHECK (refill_per_minute > 0)
);
CREATE TRIGGER rate_limit_budgets_touch_updated_at BEFORE UPDATE ON rate_limit_budgets
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

INSERT INTO rate_limit_budgets (name, capacity, refill_per_minute) VALUES
  -- every authenticated request, per user or token
  ('api', 100, 100),
  -- sign-in attempts, per address and per client IP
  ('login', 10, 10),
  -- deployments created or rolled back, per actor
  ('deploy', 10, 10);
