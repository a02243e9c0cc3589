export * as FakeGithub from "./FakeGithub.ts"
export * as Fixtures from "./Fixtures.ts"
export * as GithubPayloads from "./GithubPayloads.ts"
export * as TestDatabase from "./TestDatabase.ts"
