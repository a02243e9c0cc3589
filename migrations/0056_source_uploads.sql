-- Source archives uploaded by `starform up` (a folder deployed without GitHub): the builds service stores the gzipped
-- tar (a folder under STARFORM_HOME/sources embedded, object storage in production) and records it here, keyed by
-- its tenant; a deployment made from one names it in its snapshot, and its build fetches the archive instead of
-- cloning a commit.

CREATE TABLE source_uploads (
  id text NOT NULL,
  workspace_id text NOT NULL,
  project_id text NOT NULL,
  environment_id text NOT NULL,
  service_id text NOT NULL,
  sha256 text NOT NULL,
  size_bytes bigint NOT NULL,
  -- the person who uploaded it; null for an API token
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- after this the archive may be deleted: a build that has not fetched it by then fails as source-unavailable
  expires_at timestamptz NOT NULL,
  CONSTRAINT source_uploads_pkey PRIMARY KEY (id),
  CONSTRAINT source_uploads_id_format CHECK (id ~ '^upl_[0-9a-z]{24}$'),
  CONSTRAINT source_uploads_sha256_shape CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  CONSTRAINT source_uploads_size_positive CHECK (size_bytes > 0),
  CONSTRAINT source_uploads_project_fk FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
  CONSTRAINT source_uploads_service_fk FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE
);
CREATE INDEX source_uploads_tenant_idx ON source_uploads (project_id, environment_id, service_id);
CREATE INDEX source_uploads_expires_idx ON source_uploads (expires_at);

-- a build of an upload names it (and has no repository or commit)
ALTER TABLE builds ADD COLUMN source_upload_id text REFERENCES source_uploads (id) ON DELETE SET NULL;
