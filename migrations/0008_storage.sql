-- Per-environment resources: object storage buckets (Tigris), block-storage volumes and managed databases.

CREATE TABLE buckets (
  id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  name text NOT NULL,
  visibility text NOT NULL DEFAULT 'private',
  -- the globally unique name at Tigris
  provider_bucket_name text NOT NULL,
  region text,
  -- issued once the bucket is provisioned
  access_key_id text,
  secret_access_key_ciphertext text,
  status text NOT NULL DEFAULT 'provisioning',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT buckets_pkey PRIMARY KEY (id),
  CONSTRAINT buckets_id_format CHECK (id ~ '^bkt_[0-9a-z]{24}$'),
  CONSTRAINT buckets_environment_fk FOREIGN KEY (project_id, environment_id)
    REFERENCES environments (project_id, id) ON DELETE CASCADE,
  -- S3 bucket names are 3..63 characters
  CONSTRAINT buckets_name_rfc1123 CHECK (name ~ '^[a-z0-9][-a-z0-9]{1,61}[a-z0-9]$'),
  CONSTRAINT buckets_name_unique_per_environment UNIQUE (environment_id, name),
  CONSTRAINT buckets_visibility_known CHECK (visibility IN ('private', 'public')),
  CONSTRAINT buckets_provider_bucket_name_shape CHECK (provider_bucket_name ~ '^[a-z0-9][-a-z0-9]{1,61}[a-z0-9]$'),
  CONSTRAINT buckets_provider_bucket_name_unique UNIQUE (provider_bucket_name),
  CONSTRAINT buckets_secret_access_key_ciphertext_envelope
    CHECK (secret_access_key_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$'),
  CONSTRAINT buckets_status_known CHECK (status IN ('provisioning', 'ready', 'deleting', 'failed')),
  -- a ready bucket is one whose credentials can be injected into services
  CONSTRAINT buckets_ready_has_credentials
    CHECK (status <> 'ready' OR (access_key_id IS NOT NULL AND secret_access_key_ciphertext IS NOT NULL))
);
CREATE TRIGGER buckets_touch_updated_at BEFORE UPDATE ON buckets FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE volumes (
  id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  -- null while detached
  service_id text,
  name text NOT NULL,
  size_gb integer NOT NULL,
  mount_path text NOT NULL,
  storage_class text NOT NULL DEFAULT 'do-block-storage',
  status text NOT NULL DEFAULT 'provisioning',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT volumes_pkey PRIMARY KEY (id),
  CONSTRAINT volumes_id_format CHECK (id ~ '^vol_[0-9a-z]{24}$'),
  CONSTRAINT volumes_environment_fk FOREIGN KEY (project_id, environment_id)
    REFERENCES environments (project_id, id) ON DELETE CASCADE,
  -- data outlives the service it was attached to: deleting the service only detaches the volume
  CONSTRAINT volumes_service_fk FOREIGN KEY (project_id, environment_id, service_id)
    REFERENCES services (project_id, environment_id, id) ON DELETE SET NULL (service_id),
  CONSTRAINT volumes_name_rfc1123 CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT volumes_name_unique_per_environment UNIQUE (environment_id, name),
  -- DigitalOcean block storage: 1 GiB to 16 TiB
  CONSTRAINT volumes_size_gb_range CHECK (size_gb BETWEEN 1 AND 16384),
  CONSTRAINT volumes_mount_path_absolute CHECK (mount_path LIKE '/%' AND mount_path <> '/' AND length(mount_path) <= 4096),
  CONSTRAINT volumes_mount_path_unique_per_service UNIQUE (service_id, mount_path),
  CONSTRAINT volumes_storage_class_dns_subdomain CHECK (storage_class ~ '^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$'),
  CONSTRAINT volumes_status_known CHECK (status IN ('provisioning', 'bound', 'resizing', 'deleting', 'failed'))
);
CREATE TRIGGER volumes_touch_updated_at BEFORE UPDATE ON volumes FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE databases (
  id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  name text NOT NULL,
  engine text NOT NULL,
  version text NOT NULL,
  -- known once the database is provisioned
  host text,
  port integer,
  username text,
  password_ciphertext text,
  status text NOT NULL DEFAULT 'provisioning',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT databases_pkey PRIMARY KEY (id),
  CONSTRAINT databases_id_format CHECK (id ~ '^dbs_[0-9a-z]{24}$'),
  CONSTRAINT databases_environment_fk FOREIGN KEY (project_id, environment_id)
    REFERENCES environments (project_id, id) ON DELETE CASCADE,
  CONSTRAINT databases_name_rfc1123 CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT databases_name_unique_per_environment UNIQUE (environment_id, name),
  CONSTRAINT databases_engine_known CHECK (engine IN ('postgres', 'redis')),
  CONSTRAINT databases_version_length CHECK (length(version) BETWEEN 1 AND 32),
  CONSTRAINT databases_port_range CHECK (port BETWEEN 1 AND 65535),
  CONSTRAINT databases_password_ciphertext_envelope
    CHECK (password_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$'),
  CONSTRAINT databases_status_known CHECK (status IN ('provisioning', 'ready', 'deleting', 'failed')),
  CONSTRAINT databases_ready_has_connection
    CHECK (status <> 'ready' OR (host IS NOT NULL AND port IS NOT NULL AND password_ciphertext IS NOT NULL))
);
CREATE TRIGGER databases_touch_updated_at BEFORE UPDATE ON databases FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
