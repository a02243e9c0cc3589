-- Projects and their environments: the first two levels of workspace → project → environment → service.

CREATE TABLE projects (
  id text NOT NULL,
  workspace_id text NOT NULL,
  name text NOT NULL,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT projects_pkey PRIMARY KEY (id),
  CONSTRAINT projects_id_format CHECK (id ~ '^prj_[0-9a-z]{24}$'),
  CONSTRAINT projects_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
  CONSTRAINT projects_name_rfc1123 CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT projects_name_unique_per_workspace UNIQUE (workspace_id, name),
  CONSTRAINT projects_description_length CHECK (length(description) <= 500),
  -- lets rows that carry both ids (api_tokens) prove the project is in that workspace
  CONSTRAINT projects_workspace_key_unique UNIQUE (workspace_id, id)
);
CREATE TRIGGER projects_touch_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE project_members (
  project_id text NOT NULL,
  user_id text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT project_members_pkey PRIMARY KEY (project_id, user_id),
  CONSTRAINT project_members_project_fk FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
  CONSTRAINT project_members_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT project_members_role_known CHECK (role IN ('admin', 'developer', 'viewer'))
);
CREATE INDEX project_members_user_idx ON project_members (user_id);
CREATE TRIGGER project_members_touch_updated_at BEFORE UPDATE ON project_members
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE environments (
  id text NOT NULL,
  project_id text NOT NULL,
  -- becomes part of the namespace and the starform.io/environment label
  name text NOT NULL,
  -- preview environments are told apart by this flag, never by their name
  is_ephemeral boolean NOT NULL DEFAULT false,
  -- the Git branch whose pushes deploy here
  git_branch text,
  -- null until placement picks a cluster
  cluster_id text,
  cloned_from_environment_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT environments_pkey PRIMARY KEY (id),
  CONSTRAINT environments_id_format CHECK (id ~ '^env_[0-9a-z]{24}$'),
  CONSTRAINT environments_project_fk FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
  CONSTRAINT environments_name_rfc1123 CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?$'),
  CONSTRAINT environments_name_unique_per_project UNIQUE (project_id, name),
  -- children reference (project_id, environment_id), so a row can never mix two projects' tenant keys
  CONSTRAINT environments_tenant_key_unique UNIQUE (project_id, id),
  CONSTRAINT environments_git_branch_length CHECK (length(git_branch) BETWEEN 1 AND 255),
  -- a push to a branch deploys to one environment of the project, never two
  CONSTRAINT environments_git_branch_unique_per_project UNIQUE (project_id, git_branch),
  -- a cluster with environments on it is drained before it can go
  CONSTRAINT environments_cluster_fk FOREIGN KEY (cluster_id) REFERENCES clusters (id) ON DELETE RESTRICT,
  -- a clone stays when its source is deleted; only the pointer goes
  CONSTRAINT environments_cloned_from_fk FOREIGN KEY (project_id, cloned_from_environment_id)
    REFERENCES environments (project_id, id) ON DELETE SET NULL (cloned_from_environment_id)
);
-- Shuttle's desired state is read per cluster
CREATE INDEX environments_cluster_idx ON environments (cluster_id);
CREATE TRIGGER environments_touch_updated_at BEFORE UPDATE ON environments
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
