-- What the builds service adds: what each build builds and with which limits, when each status was entered, its
-- log, per-service build settings, and what became of each webhook delivery. Additive only.

-- The workspace a build counts against (queue limits are per workspace), and what it builds.
ALTER TABLE builds ADD COLUMN workspace_id text;
ALTER TABLE builds ADD CONSTRAINT builds_workspace_id_format CHECK (workspace_id ~ '^wsp_[0-9a-z]{24}$');
ALTER TABLE builds ADD COLUMN repo_full_name text;
ALTER TABLE builds ADD CONSTRAINT builds_repo_full_name_shape CHECK (repo_full_name ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$');
ALTER TABLE builds ADD COLUMN commit_sha text;
ALTER TABLE builds ADD CONSTRAINT builds_commit_sha_hex CHECK (commit_sha ~ '^[0-9a-f]{40}$');
ALTER TABLE builds ADD COLUMN root_directory text NOT NULL DEFAULT '/';
ALTER TABLE builds ADD CONSTRAINT builds_root_directory_absolute CHECK (root_directory LIKE '/%');
-- the installation whose token clones the repository; kept (null) when the app is uninstalled
ALTER TABLE builds ADD COLUMN github_installation_id text;
ALTER TABLE builds ADD CONSTRAINT builds_github_installation_fk FOREIGN KEY (github_installation_id)
  REFERENCES github_installations (id) ON DELETE SET NULL;
-- build / start / pre-deploy command overrides as the deployment froze them: { buildCommand, startCommand, preDeployCommand }
ALTER TABLE builds ADD COLUMN overrides jsonb NOT NULL DEFAULT '{}';
ALTER TABLE builds ADD CONSTRAINT builds_overrides_object CHECK (jsonb_typeof(overrides) = 'object');
ALTER TABLE builds ADD COLUMN image_size_limit_bytes bigint NOT NULL DEFAULT 10000000000;
ALTER TABLE builds ADD CONSTRAINT builds_image_size_limit_positive CHECK (image_size_limit_bytes > 0);
ALTER TABLE builds ADD COLUMN image_ref text;
ALTER TABLE builds ADD CONSTRAINT builds_image_ref_length CHECK (length(image_ref) BETWEEN 1 AND 512);
ALTER TABLE builds ADD COLUMN image_digest text;
ALTER TABLE builds ADD CONSTRAINT builds_image_digest_sha256 CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$');
-- a retry waits out its backoff: it is not started before this
ALTER TABLE builds ADD COLUMN not_before timestamptz NOT NULL DEFAULT now();
-- started_at + timeout_seconds: past it the build is timed_out
ALTER TABLE builds ADD COLUMN deadline_at timestamptz;
-- why a queued build has not started (the workspace's concurrent builds are in use), shown to the user
ALTER TABLE builds ADD COLUMN waiting_reason text;
-- the Kubernetes Job running this attempt
ALTER TABLE builds ADD COLUMN runner_job text;
ALTER TABLE builds ADD CONSTRAINT builds_runner_job_dns_label CHECK (runner_job ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$');
-- the pre-deploy command's Job, run once the image is pushed and before the release goes to the cluster
ALTER TABLE builds ADD COLUMN predeploy_status text;
ALTER TABLE builds ADD CONSTRAINT builds_predeploy_status_known
  CHECK (predeploy_status IN ('pending', 'running', 'succeeded', 'failed'));
ALTER TABLE builds ADD COLUMN predeploy_reason text;
-- what the deployment was told, so that the report is sent again after a crash and never twice
ALTER TABLE builds ADD COLUMN reported_at timestamptz;
CREATE INDEX builds_workspace_running_idx ON builds (workspace_id) WHERE status IN ('cloning', 'building', 'pushing');
CREATE INDEX builds_deployment_idx ON builds (deployment_id, attempt);

-- Each status a build entered, once, with when: queued at 12:00:01, cloning at 12:00:03, …
CREATE TABLE build_transitions (
  build_id text NOT NULL,
  status text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT build_transitions_pkey PRIMARY KEY (build_id, status),
  CONSTRAINT build_transitions_build_fk FOREIGN KEY (build_id) REFERENCES builds (id) ON DELETE CASCADE,
  CONSTRAINT build_transitions_status_known
    CHECK (status IN ('queued', 'cloning', 'building', 'pushing', 'succeeded', 'failed', 'timed_out', 'cancelled'))
);

-- A build's log, line by line in the order written. The telemetry service will move logs to ClickHouse; the
-- builds service writes them through one interface (BuildLogs) so only that module changes.
CREATE TABLE build_logs (
  -- the order lines were written in, across all builds; a watcher resumes after the last seq it saw
  seq bigint GENERATED ALWAYS AS IDENTITY,
  build_id text NOT NULL,
  at timestamptz NOT NULL,
  -- runner: the build Job's output; predeploy: the pre-deploy Job's; system: what Starform did
  stream text NOT NULL,
  line text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT build_logs_pkey PRIMARY KEY (seq),
  CONSTRAINT build_logs_build_fk FOREIGN KEY (build_id) REFERENCES builds (id) ON DELETE CASCADE,
  CONSTRAINT build_logs_stream_known CHECK (stream IN ('runner', 'predeploy', 'system')),
  CONSTRAINT build_logs_line_length CHECK (length(line) <= 16384)
);
CREATE INDEX build_logs_build_idx ON build_logs (build_id, seq);

-- Per-service build settings the plan bounds (the service's configuration belongs to the projects service).
CREATE TABLE service_build_settings (
  service_id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  -- null: the default (30 minutes); at most the workspace plan's maximum, checked when set
  timeout_seconds integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT service_build_settings_pkey PRIMARY KEY (service_id),
  CONSTRAINT service_build_settings_service_fk FOREIGN KEY (project_id, environment_id, service_id)
    REFERENCES services (project_id, environment_id, id) ON DELETE CASCADE,
  CONSTRAINT service_build_settings_timeout_range CHECK (timeout_seconds BETWEEN 60 AND 86400)
);
CREATE TRIGGER service_build_settings_touch_updated_at BEFORE UPDATE ON service_build_settings
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- What a processed delivery did ("2 deployments created", "branch feature/x is not mapped to an environment").
ALTER TABLE webhook_deliveries ADD COLUMN detail text;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_detail_length CHECK (length(detail) <= 2000);
