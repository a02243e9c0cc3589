import { Context, Effect, Layer } from "effect"
import { AuditTrail } from "../AuditTrail.ts"
import type { AuditNotRecorded, Missing } from "../Errors.ts"
import { DeploymentRepository } from "./Repository.ts"

/**
 * Deployment history kept per service: the newest `deployment_retention` deployments (the serving and in-progress ones
 * always). What is pruned is written to the audit log (`deployment.prune`), through identity, before the deletion
 * commits: when identity does not take the entry nothing is deleted, and the next activation tries again.
 */
export class Retention extends Context.Service<
  Retention,
  {
    readonly prune: (serviceId: string) => Effect.Effect<void, Missing | AuditNotRecorded>
  }
>()("starform/projects/Retention") {
  static readonly layer = Layer.effect(
    Retention,
    Effect.gen(function* () {
      const repository = yield* DeploymentRepository
      const audit = yield* AuditTrail
      return Retention.of({
        prune: Effect.fn("Retention.prune")(function* (serviceId) {
          yield* repository.transaction(
            Effect.gen(function* () {
              const service = yield* repository.lock(serviceId)
              const pruned = yield* repository.prune(service)
              if (pruned.length === 0) return
              // recorded before the commit (an entry without a deletion is possible if the commit then fails; a
              // deletion without its entry is not)
              yield* audit.record({
                workspaceId: service.workspaceId,
                actor: null,
                action: "deployment.prune",
                targetType: "service",
                targetId: service.id,
                metadata: {
                  projectId: service.projectId,
                  environmentId: service.environmentId,
                  retention: service.deploymentRetention,
                  deployments: [...pruned].sort((a, b) => a.number - b.number),
                },
              })
            }),
          )
        }),
      })
    }),
  )
}
