import type { Identity } from "@starform/domain"
import { Context, Effect, Layer } from "effect"
import * as Policy from "../Policy.ts"
import { BuildStore } from "../store/BuildStore.ts"

/**
 * The second stage: queued builds whose backoff is over start as their workspace's plan allows (so many at once,
 * oldest first); the others stay queued and are told why, which the user sees on the build. One replica admits at a
 * time, so two never start more than the plan allows between them.
 */
export class Admission extends Context.Service<
  Admission,
  {
    /** Moves what may start to `cloning`; the ids of the builds started. */
    readonly admit: (plans: ReadonlyMap<string, Identity.WorkspacePlan>) => Effect.Effect<ReadonlyArray<string>>
  }
>()("starform/builds/Admission") {
  static readonly layer = Layer.effect(
    Admission,
    Effect.gen(function* () {
      const store = yield* BuildStore
      return Admission.of({
        admit: Effect.fn("Pipeline.admit")(function* (plans) {
          return yield* store.withAdmissionLock(
            Effect.gen(function* () {
              const due = yield* store.due(200)
              const running = yield* store.runningPerWorkspace()
              const byId = new Map(due.map((row) => [row.id as string, row]))
              const candidates = due.map((row) => ({
                id: row.id,
                workspaceId: row.workspaceId ?? row.projectId,
                // a workspace whose plan is not known yet (no deployment of it waits) gets the smallest
                plan: plans.get(row.workspaceId ?? "") ?? ("hobby" as const),
              }))
              const { start, wait } = Policy.admit(candidates, running)
              // builds of one workspace wait for one reason: one statement per reason
              const waiting = new Map<string, Array<string>>()
              for (const build of wait) waiting.set(build.reason, [...(waiting.get(build.reason) ?? []), build.id])
              for (const [reason, ids] of waiting) yield* store.setWaiting(ids, reason)
              const started: Array<string> = []
              for (const build of start) {
                const row = byId.get(build.id)
                if (row === undefined) continue
                const moved = yield* store.apply(row, {
                  _tag: "Move",
                  path: ["cloning"],
                  failure: null,
                  image: null,
                  retry: false,
                })
                if (moved) started.push(build.id)
              }
              return started
            }),
          )
        }),
      })
    }),
  )
}
