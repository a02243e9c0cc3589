-- What the projects service adds for Shuttle and deployment history: each cluster's bearer token and the version of
-- its desired state, the rollout state Shuttle observes per release, a project's preferred region and how many
-- deployments per service it keeps. Columns on existing tables only: every row they describe already exists.

-- Shuttle authenticates with a token only its cluster holds; Starform keeps its SHA-256 (hex), never the token.
ALTER TABLE clusters ADD COLUMN token_hash text;
ALTER TABLE clusters ADD CONSTRAINT clusters_token_hash_sha256 CHECK (token_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE clusters ADD CONSTRAINT clusters_token_hash_unique UNIQUE (token_hash);

-- The last published desired state: its version only grows, and a new version is published only when the hash
-- (sha256 of the document's content) changes. The document itself holds decrypted secrets and is never stored.
ALTER TABLE clusters ADD COLUMN desired_state_version integer NOT NULL DEFAULT 0;
ALTER TABLE clusters ADD COLUMN desired_state_hash text;
ALTER TABLE clusters ADD COLUMN desired_state_published_at timestamptz;
-- when Shuttle last reported what runs in the cluster
ALTER TABLE clusters ADD COLUMN last_report_at timestamptz;
ALTER TABLE clusters ADD CONSTRAINT clusters_desired_state_version_non_negative CHECK (desired_state_version >= 0);
ALTER TABLE clusters ADD CONSTRAINT clusters_desired_state_hash_sha256
  CHECK (desired_state_hash ~ '^sha256:[0-9a-f]{64}$');
ALTER TABLE clusters ADD CONSTRAINT clusters_desired_state_published
  CHECK ((desired_state_version = 0) = (desired_state_hash IS NULL));

-- Placement prefers clusters of this region; null: any region.
ALTER TABLE projects ADD COLUMN region_id text;
ALTER TABLE projects ADD CONSTRAINT projects_region_fk FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE SET NULL;
-- deployment history kept per service: the newest N (the serving and in-progress ones are always kept)
ALTER TABLE projects ADD COLUMN deployment_retention integer NOT NULL DEFAULT 20;
ALTER TABLE projects ADD CONSTRAINT projects_deployment_retention_range CHECK (deployment_retention BETWEEN 1 AND 1000);
CREATE INDEX projects_region_idx ON projects (region_id);

-- What Shuttle last observed of this release's rollout (replicas, conditions, phase) and when.
ALTER TABLE deployments ADD COLUMN observed_state jsonb;
ALTER TABLE deployments ADD COLUMN observed_at timestamptz;
ALTER TABLE deployments ADD CONSTRAINT deployments_observed_state_object CHECK (jsonb_typeof(observed_state) = 'object');

-- Deploys of one service are serialised: at most one is being built or rolled out at a time; later ones wait queued.
CREATE UNIQUE INDEX deployments_one_in_progress_per_service ON deployments (service_id)
  WHERE status IN ('building', 'deploying');
-- retention and "the next queued deploy" read a service's deployments newest first
CREATE INDEX deployments_service_number_idx ON deployments (service_id, number DESC);
