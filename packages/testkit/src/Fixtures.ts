/**
 * Valid rows for tests, one helper per table: `Fixtures.service()` inserts a web service (and the workspace,
 * project and environment it needs) and returns the stored row, camelCased. Overrides replace any column, so a
 * test states only what it is about: `Fixtures.environment({ name: "Prod" })` fails on the name rule. A parent
 * passed by id is reused (`Fixtures.service({ environmentId })`); a missing one is created.
 *
 * They need the camelCase `SqlClient` of `Database.layer` / `TestDatabase.layer`. The rows live in `fixtures/` by
 * area; which parent a row goes under is decided in `fixtures/Parents.ts`, the toolkit is `fixtures/Rows.ts`.
 */

export * from "./fixtures/Billing.ts"
export * from "./fixtures/Deploys.ts"
export { apiToken, auditEntry, session, user, workspace, workspaceMember } from "./fixtures/Identity.ts"
export {
  cloudCredential,
  cluster,
  domain,
  environment,
  project,
  projectMember,
  region,
  service,
} from "./fixtures/Projects.ts"
export { envelope, type Overrides, type Row, uniqueName } from "./fixtures/Rows.ts"
export * from "./fixtures/Storage.ts"
export * from "./fixtures/Variables.ts"
