-- Where customer workloads run: regions, the Kubernetes clusters in them, and the provider credentials Starform holds.

CREATE TABLE regions (
  id text NOT NULL,
  -- the provider's region name, e.g. nyc3
  slug text NOT NULL,
  name text NOT NULL,
  provider text NOT NULL DEFAULT 'digitalocean',
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT regions_pkey PRIMARY KEY (id),
  CONSTRAINT regions_id_format CHECK (id ~ '^reg_[0-9a-z]{24}$'),
  CONSTRAINT regions_slug_rfc1123 CHECK (slug ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT regions_slug_unique UNIQUE (slug),
  CONSTRAINT regions_name_length CHECK (length(name) BETWEEN 1 AND 100),
  CONSTRAINT regions_provider_known CHECK (provider IN ('digitalocean')),
  CONSTRAINT regions_status_known CHECK (status IN ('active', 'draining', 'disabled'))
);
CREATE TRIGGER regions_touch_updated_at BEFORE UPDATE ON regions FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE clusters (
  id text NOT NULL,
  region_id text NOT NULL,
  name text NOT NULL,
  -- both unknown until the provider has created the cluster
  api_url text,
  kubeconfig_ciphertext text,
  status text NOT NULL DEFAULT 'provisioning',
  pod_cidr cidr,
  service_cidr cidr,
  -- the soft limit that triggers provisioning the next cluster
  max_pods integer NOT NULL DEFAULT 1000,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT clusters_pkey PRIMARY KEY (id),
  CONSTRAINT clusters_id_format CHECK (id ~ '^clu_[0-9a-z]{24}$'),
  -- a region is retired only once its clusters are: deleting it would orphan running workloads
  CONSTRAINT clusters_region_fk FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE RESTRICT,
  CONSTRAINT clusters_name_rfc1123 CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT clusters_name_unique UNIQUE (name),
  CONSTRAINT clusters_api_url_shape CHECK (api_url ~ '^https?://[^[:space:]]+$'),
  CONSTRAINT clusters_kubeconfig_ciphertext_envelope
    CHECK (kubeconfig_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$'),
  CONSTRAINT clusters_status_known CHECK (status IN ('provisioning', 'active', 'draining', 'retired')),
  -- Shuttle and placement can only use a cluster they can reach
  CONSTRAINT clusters_reachable_when_in_service
    CHECK (status NOT IN ('active', 'draining') OR (api_url IS NOT NULL AND kubeconfig_ciphertext IS NOT NULL)),
  CONSTRAINT clusters_max_pods_positive CHECK (max_pods > 0)
);
CREATE INDEX clusters_region_idx ON clusters (region_id);
CREATE TRIGGER clusters_touch_updated_at BEFORE UPDATE ON clusters FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE cloud_credentials (
  id text NOT NULL,
  provider text NOT NULL,
  label text NOT NULL,
  -- null: valid in every region
  region_id text,
  secret_ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cloud_credentials_pkey PRIMARY KEY (id),
  CONSTRAINT cloud_credentials_id_format CHECK (id ~ '^ccr_[0-9a-z]{24}$'),
  CONSTRAINT cloud_credentials_provider_known CHECK (provider IN ('digitalocean', 'tigris', 'cloudflare')),
  CONSTRAINT cloud_credentials_label_length CHECK (length(label) BETWEEN 1 AND 100),
  CONSTRAINT cloud_credentials_region_fk FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE SET NULL,
  CONSTRAINT cloud_credentials_secret_ciphertext_envelope
    CHECK (secret_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$')
);
CREATE INDEX cloud_credentials_region_idx ON cloud_credentials (region_id);
CREATE TRIGGER cloud_credentials_touch_updated_at BEFORE UPDATE ON cloud_credentials
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
