-- Services (web, worker, cron) and the domains that route to web services.

CREATE TABLE services (
  id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  name text NOT NULL,
  type text NOT NULL,
  source_type text NOT NULL DEFAULT 'repo',
  -- owner/repository on GitHub
  repo_full_name text,
  branch text,
  root_directory text NOT NULL DEFAULT '/',
  github_installation_id text,
  image_ref text,
  port integer,
  cron_schedule text,
  -- public web services get an HTTPRoute; private ones are reachable only inside their environment
  is_public boolean NOT NULL DEFAULT false,
  auto_deploy boolean NOT NULL DEFAULT true,
  auto_deploy_disabled_reason text,
  -- probes, resources, autoscaling and build overrides: their shape is the projects service's to validate
  config jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT services_pkey PRIMARY KEY (id),
  CONSTRAINT services_id_format CHECK (id ~ '^svc_[0-9a-z]{24}$'),
  CONSTRAINT services_environment_fk FOREIGN KEY (project_id, environment_id)
    REFERENCES environments (project_id, id) ON DELETE CASCADE,
  CONSTRAINT services_name_rfc1123 CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT services_name_unique_per_environment UNIQUE (environment_id, name),
  -- children reference the whole tenant key (project_id, environment_id, service_id)
  CONSTRAINT services_tenant_key_unique UNIQUE (project_id, environment_id, id),
  CONSTRAINT services_type_known CHECK (type IN ('web', 'worker', 'cron')),
  CONSTRAINT services_source_type_known CHECK (source_type IN ('repo', 'image')),
  CONSTRAINT services_repo_full_name_shape CHECK (repo_full_name ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'),
  CONSTRAINT services_branch_length CHECK (length(branch) BETWEEN 1 AND 255),
  CONSTRAINT services_root_directory_absolute CHECK (root_directory LIKE '/%'),
  -- the repository stays linked when the app is uninstalled; deploys then fail with a reason
  CONSTRAINT services_github_installation_fk FOREIGN KEY (github_installation_id)
    REFERENCES github_installations (id) ON DELETE SET NULL,
  CONSTRAINT services_image_ref_length CHECK (length(image_ref) BETWEEN 1 AND 512),
  CONSTRAINT services_port_range CHECK (port BETWEEN 1 AND 65535),
  -- five cron fields or one of the macros a Kubernetes CronJob accepts
  CONSTRAINT services_cron_schedule_shape CHECK (
    cron_schedule ~ '^(@(yearly|annually|monthly|weekly|daily|hourly)|[^[:space:]]+([[:space:]]+[^[:space:]]+){4})$'
  ),
  -- web listens on a port, cron runs on a schedule, a worker has neither
  CONSTRAINT services_web_needs_port CHECK (type <> 'web' OR port IS NOT NULL),
  CONSTRAINT services_port_only_for_web CHECK (port IS NULL OR type = 'web'),
  CONSTRAINT services_cron_needs_schedule CHECK (type <> 'cron' OR cron_schedule IS NOT NULL),
  CONSTRAINT services_schedule_only_for_cron CHECK (cron_schedule IS NULL OR type = 'cron'),
  CONSTRAINT services_only_web_is_public CHECK (NOT is_public OR type = 'web'),
  CONSTRAINT services_repo_source_needs_repo
    CHECK (source_type <> 'repo' OR (repo_full_name IS NOT NULL AND branch IS NOT NULL)),
  CONSTRAINT services_image_source_needs_image CHECK (source_type <> 'image' OR image_ref IS NOT NULL),
  CONSTRAINT services_config_object CHECK (jsonb_typeof(config) = 'object')
);
-- a push webhook names a repository and branch: find the services that deploy it
CREATE INDEX services_repo_branch_idx ON services (repo_full_name, branch) WHERE source_type = 'repo';
CREATE INDEX services_github_installation_idx ON services (github_installation_id);
CREATE TRIGGER services_touch_updated_at BEFORE UPDATE ON services FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE domains (
  id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  service_id text NOT NULL,
  hostname text NOT NULL,
  kind text NOT NULL,
  status text NOT NULL DEFAULT 'pending_verification',
  verification_token text,
  verified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT domains_pkey PRIMARY KEY (id),
  CONSTRAINT domains_id_format CHECK (id ~ '^dom_[0-9a-z]{24}$'),
  CONSTRAINT domains_service_fk FOREIGN KEY (project_id, environment_id, service_id)
    REFERENCES services (project_id, environment_id, id) ON DELETE CASCADE,
  CONSTRAINT domains_hostname_dns_name CHECK (
    length(hostname) <= 253
    AND hostname ~ '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
  ),
  -- a hostname routes to one service across all of Starform
  CONSTRAINT domains_hostname_unique UNIQUE (hostname),
  CONSTRAINT domains_kind_known CHECK (kind IN ('generated', 'custom')),
  CONSTRAINT domains_status_known CHECK (status IN ('pending_verification', 'verified', 'active', 'failed'))
);
CREATE INDEX domains_tenant_idx ON domains (project_id, environment_id, service_id, created_at);
CREATE TRIGGER domains_touch_updated_at BEFORE UPDATE ON domains FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
