-- Environment variables: per service, and in var groups shared by the services of a project. Values are encrypted.

CREATE TABLE service_variables (
  id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  service_id text NOT NULL,
  key text NOT NULL,
  value_ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT service_variables_pkey PRIMARY KEY (id),
  CONSTRAINT service_variables_id_format CHECK (id ~ '^svv_[0-9a-z]{24}$'),
  CONSTRAINT service_variables_service_fk FOREIGN KEY (project_id, environment_id, service_id)
    REFERENCES services (project_id, environment_id, id) ON DELETE CASCADE,
  CONSTRAINT service_variables_key_shape CHECK (length(key) <= 255 AND key ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
  CONSTRAINT service_variables_key_unique_per_service UNIQUE (service_id, key),
  CONSTRAINT service_variables_value_ciphertext_envelope
    CHECK (value_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$')
);
CREATE INDEX service_variables_tenant_idx ON service_variables (project_id, environment_id, service_id);
CREATE TRIGGER service_variables_touch_updated_at BEFORE UPDATE ON service_variables
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE var_groups (
  id text NOT NULL,
  project_id text NOT NULL,
  name text NOT NULL,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT var_groups_pkey PRIMARY KEY (id),
  CONSTRAINT var_groups_id_format CHECK (id ~ '^vgr_[0-9a-z]{24}$'),
  CONSTRAINT var_groups_project_fk FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
  CONSTRAINT var_groups_name_rfc1123 CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT var_groups_name_unique_per_project UNIQUE (project_id, name),
  CONSTRAINT var_groups_description_length CHECK (length(description) <= 500),
  -- entries and service links reference (project_id, var_group_id): a group never leaks into another project
  CONSTRAINT var_groups_project_key_unique UNIQUE (project_id, id)
);
CREATE TRIGGER var_groups_touch_updated_at BEFORE UPDATE ON var_groups FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE var_group_entries (
  id text NOT NULL,
  -- the group's project, carried so the environment of an override is provably in the same project
  project_id text NOT NULL,
  var_group_id text NOT NULL,
  key text NOT NULL,
  -- null: the group's default value; set: that environment's override
  environment_id text,
  value_ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT var_group_entries_pkey PRIMARY KEY (id),
  CONSTRAINT var_group_entries_id_format CHECK (id ~ '^vge_[0-9a-z]{24}$'),
  CONSTRAINT var_group_entries_var_group_fk FOREIGN KEY (project_id, var_group_id)
    REFERENCES var_groups (project_id, id) ON DELETE CASCADE,
  CONSTRAINT var_group_entries_environment_fk FOREIGN KEY (project_id, environment_id)
    REFERENCES environments (project_id, id) ON DELETE CASCADE,
  CONSTRAINT var_group_entries_key_shape CHECK (length(key) <= 255 AND key ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
  CONSTRAINT var_group_entries_key_unique_per_environment UNIQUE NULLS NOT DISTINCT (var_group_id, key, environment_id),
  CONSTRAINT var_group_entries_value_ciphertext_envelope
    CHECK (value_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$')
);
CREATE INDEX var_group_entries_environment_idx ON var_group_entries (environment_id);
CREATE TRIGGER var_group_entries_touch_updated_at BEFORE UPDATE ON var_group_entries
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE service_var_groups (
  project_id text NOT NULL,
  environment_id text NOT NULL,
  service_id text NOT NULL,
  var_group_id text NOT NULL,
  -- where a key is set by several linked groups, the higher position wins
  position integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT service_var_groups_pkey PRIMARY KEY (service_id, var_group_id),
  CONSTRAINT service_var_groups_service_fk FOREIGN KEY (project_id, environment_id, service_id)
    REFERENCES services (project_id, environment_id, id) ON DELETE CASCADE,
  CONSTRAINT service_var_groups_group_in_service_project FOREIGN KEY (project_id, var_group_id)
    REFERENCES var_groups (project_id, id) ON DELETE CASCADE,
  CONSTRAINT service_var_groups_position_non_negative CHECK (position >= 0),
  -- deferrable so one UPDATE can reorder the links of a service
  CONSTRAINT service_var_groups_position_unique_per_service UNIQUE (service_id, position)
    DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX service_var_groups_var_group_idx ON service_var_groups (var_group_id);
CREATE TRIGGER service_var_groups_touch_updated_at BEFORE UPDATE ON service_var_groups
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
