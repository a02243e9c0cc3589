export * as Database from "./Database.ts"
export * as EmbeddedPostgres from "./EmbeddedPostgres.ts"
export * as Migrations from "./Migrations.ts"
export { splitStatements } from "./splitStatements.ts"
