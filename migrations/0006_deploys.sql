-- Deployments (immutable, numbered snapshots of a service's config and commit) and the builds that produce their images.

CREATE TABLE deployments (
  id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  service_id text NOT NULL,
  -- 1, 2, 3… per service: what people call "deploy #12"
  number integer NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  trigger text NOT NULL,
  commit_sha text,
  commit_message text,
  image_ref text,
  image_digest text,
  config_snapshot jsonb NOT NULL,
  rollback_of_deployment_id text,
  created_by text,
  failure_reason text,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT deployments_pkey PRIMARY KEY (id),
  CONSTRAINT deployments_id_format CHECK (id ~ '^dep_[0-9a-z]{24}$'),
  CONSTRAINT deployments_service_fk FOREIGN KEY (project_id, environment_id, service_id)
    REFERENCES services (project_id, environment_id, id) ON DELETE CASCADE,
  CONSTRAINT deployments_tenant_key_unique UNIQUE (project_id, environment_id, service_id, id),
  CONSTRAINT deployments_number_positive CHECK (number > 0),
  CONSTRAINT deployments_number_unique_per_service UNIQUE (service_id, number),
  CONSTRAINT deployments_status_known
    CHECK (status IN ('queued', 'building', 'deploying', 'active', 'failed', 'cancelled', 'superseded')),
  CONSTRAINT deployments_trigger_known CHECK (trigger IN ('push', 'api', 'rollback', 'redeploy', 'cli')),
  CONSTRAINT deployments_commit_sha_hex CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
  CONSTRAINT deployments_image_digest_sha256 CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$'),
  CONSTRAINT deployments_config_snapshot_object CHECK (jsonb_typeof(config_snapshot) = 'object'),
  -- a rollback reuses an earlier release of the same service; that release may later be pruned
  CONSTRAINT deployments_rollback_of_fk FOREIGN KEY (project_id, environment_id, service_id, rollback_of_deployment_id)
    REFERENCES deployments (project_id, environment_id, service_id, id) ON DELETE SET NULL (rollback_of_deployment_id),
  CONSTRAINT deployments_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT deployments_finished_after_start CHECK (finished_at >= started_at)
);
-- the release serving traffic: a new one becomes active only as the previous one is superseded
CREATE UNIQUE INDEX deployments_one_active_per_service ON deployments (service_id) WHERE status = 'active';
CREATE INDEX deployments_tenant_idx ON deployments (project_id, environment_id, service_id, created_at);
CREATE INDEX deployments_created_by_idx ON deployments (created_by);
CREATE TRIGGER deployments_touch_updated_at BEFORE UPDATE ON deployments
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE builds (
  id text NOT NULL,
  deployment_id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  service_id text NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  -- infrastructure faults retry as a new attempt; user faults fail at once
  attempt integer NOT NULL DEFAULT 1,
  failure_kind text,
  failure_reason text,
  timeout_seconds integer NOT NULL DEFAULT 1800,
  image_size_bytes bigint,
  queued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT builds_pkey PRIMARY KEY (id),
  CONSTRAINT builds_id_format CHECK (id ~ '^bld_[0-9a-z]{24}$'),
  CONSTRAINT builds_deployment_fk FOREIGN KEY (project_id, environment_id, service_id, deployment_id)
    REFERENCES deployments (project_id, environment_id, service_id, id) ON DELETE CASCADE,
  CONSTRAINT builds_status_known
    CHECK (status IN ('queued', 'cloning', 'building', 'pushing', 'succeeded', 'failed', 'timed_out', 'cancelled')),
  CONSTRAINT builds_attempt_positive CHECK (attempt >= 1),
  CONSTRAINT builds_attempt_unique_per_deployment UNIQUE (deployment_id, attempt),
  CONSTRAINT builds_failure_kind_known CHECK (failure_kind IN ('user', 'infrastructure')),
  CONSTRAINT builds_timeout_seconds_positive CHECK (timeout_seconds > 0),
  CONSTRAINT builds_image_size_bytes_non_negative CHECK (image_size_bytes >= 0),
  CONSTRAINT builds_finished_after_start CHECK (finished_at >= started_at)
);
CREATE INDEX builds_tenant_idx ON builds (project_id, environment_id, service_id, created_at);
-- the build queue: oldest queued first
CREATE INDEX builds_queued_idx ON builds (queued_at) WHERE status = 'queued';
CREATE TRIGGER builds_touch_updated_at BEFORE UPDATE ON builds FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
