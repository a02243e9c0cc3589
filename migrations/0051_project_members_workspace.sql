-- A project membership names its workspace, so identity answers "whose roles go when a member leaves" and "is this
-- person in the project's workspace" from its own tables, never by reading the projects service's `projects`.

ALTER TABLE project_members ADD COLUMN workspace_id text;
UPDATE project_members pm SET workspace_id = p.workspace_id FROM projects p WHERE p.id = pm.project_id;
-- Project roles only ever raise a workspace member's power; a role left behind by someone no longer in the workspace
-- grants nothing and could not be kept under the foreign key below.
DELETE FROM project_members pm WHERE NOT EXISTS (
  SELECT 1 FROM workspace_members m WHERE m.workspace_id = pm.workspace_id AND m.user_id = pm.user_id
);
ALTER TABLE project_members ALTER COLUMN workspace_id SET NOT NULL;

-- The project is one of that workspace's (the same composite key `api_tokens_project_fk` uses); deleting the project
-- or its workspace deletes its memberships.
ALTER TABLE project_members DROP CONSTRAINT project_members_project_fk;
ALTER TABLE project_members ADD CONSTRAINT project_members_project_fk FOREIGN KEY (workspace_id, project_id)
  REFERENCES projects (workspace_id, id) ON DELETE CASCADE;
-- Only a member of the workspace holds a project role, and leaving the workspace takes their project roles with it.
ALTER TABLE project_members ADD CONSTRAINT project_members_workspace_member_fk FOREIGN KEY (workspace_id, user_id)
  REFERENCES workspace_members (workspace_id, user_id) ON DELETE CASCADE;
CREATE INDEX project_members_workspace_user_idx ON project_members (workspace_id, user_id);
