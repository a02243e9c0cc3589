import { describe, expect, it } from "@effect/vitest"
import { Sql } from "@starform/db"
import { Ids, Projects } from "@starform/domain"
import { Effect, Exit } from "effect"
import * as Views from "../src/Views.ts"

/** `projects` rows as the driver hands them over (camel-cased names, `timestamptz` as `Date`). */
const rows = [
  {
    id: Ids.newId("project"),
    workspaceId: Ids.newId("workspace"),
    name: "api",
    description: "The public API",
    regionId: null,
    deploymentRetention: 10,
    createdAt: new Date("2026-01-02T03:04:05.678Z"),
    updatedAt: new Date("2026-03-04T05:06:07.089Z"),
  },
  {
    id: Ids.newId("project"),
    workspaceId: Ids.newId("workspace"),
    name: "worker",
    description: null,
    regionId: Ids.newId("region"),
    deploymentRetention: 1,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  },
]

describe("a project's view read straight from its row", () => {
  it.effect("is the view made from the decoded entity, field for field", () =>
    Effect.gen(function* () {
      const direct = yield* Sql.decodeRows(Views.ProjectViewFromRow)(rows)
      const viaEntity = (yield* Sql.decodeRows(Projects.Project)(rows)).map(Views.project)
      expect(direct).toEqual(viaEntity)
      expect(direct[0]!.createdAt).toBe("2026-01-02T03:04:05.678Z")
    }),
  )

  it.effect("still refuses a row the contract refuses: a malformed id, an invalid instant", () =>
    Effect.gen(function* () {
      const badId = yield* Effect.exit(Sql.decodeRows(Views.ProjectViewFromRow)([{ ...rows[0], id: "prj_x" }]))
      expect(Exit.isFailure(badId)).toBe(true)
      const badDate = yield* Effect.exit(
        Sql.decodeRows(Views.ProjectViewFromRow)([{ ...rows[0], createdAt: new Date(Number.NaN) }]),
      )
      expect(Exit.isFailure(badDate)).toBe(true)
    }),
  )
})
