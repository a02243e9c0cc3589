import { Catalog, FieldCrypto } from "@starform/crypto"
import type { DeploymentsApi, Deploys, Ids } from "@starform/domain"
import { Context, Effect, Layer, Option } from "effect"
import type { ValidationFailed } from "../Errors.ts"
import { breaks, type Invalid, type Missing, NoClusterAvailable, type Refused, refused } from "../Errors.ts"
import { Projects } from "../Projects.ts"
import * as Snapshot from "../Snapshot.ts"
import { Variables } from "../Variables.ts"
import * as Views from "../Views.ts"
import { Lifecycle } from "./Lifecycle.ts"
import { DeploymentRepository, type LockedService } from "./Repository.ts"

/**
 * Making releases: a new deployment freezes the service as it is (configuration, and its variables resolved and sealed
 * together); a rollback reuses an earlier release's image and frozen snapshot byte for byte; a redeploy freezes the
 * service again with the earlier release's commit or image. Each is queued and started by the `Lifecycle`.
 */

/** The area's own failures, and the variables' (still the API's errors) met while freezing a release. */
type Errors = Invalid | Missing | Refused | NoClusterAvailable | ValidationFailed

export class Releases extends Context.Service<
  Releases,
  {
    readonly create: (
      serviceId: string,
      request: DeploymentsApi.CreateDeploymentRequest,
      trigger: Deploys.DeploymentTrigger,
      createdBy: string | null,
    ) => Effect.Effect<Ids.DeploymentId, Errors>
    readonly rollback: (deploymentId: string, createdBy: string | null) => Effect.Effect<Ids.DeploymentId, Errors>
    readonly redeploy: (deploymentId: string, createdBy: string | null) => Effect.Effect<Ids.DeploymentId, Errors>
    /** The release's snapshot variables, opened: for its pre-deploy Job only. */
    readonly variables: (deploymentId: string) => Effect.Effect<Record<string, string>, Missing>
  }
>()("starform/projects/Releases") {
  static readonly layer = Layer.effect(
    Releases,
    Effect.gen(function* () {
      const crypto = yield* FieldCrypto
      const repository = yield* DeploymentRepository
      const lifecycle = yield* Lifecycle
      const projects = yield* Projects
      const variables = yield* Variables

      /** Writes a new queued deployment of the locked service and lets the lifecycle start it. */
      const enqueue = Effect.fn("Releases.enqueue")(function* (
        service: LockedService,
        fields: Omit<Parameters<DeploymentRepository["Service"]["insert"]>[0], "service">,
      ) {
        const placed = yield* projects.ensurePlaced(service.environmentId)
        if (Option.isNone(placed)) return yield* new NoClusterAvailable({ environmentName: service.environmentName })
        const id = yield* repository.insert({ service, ...fields })
        yield* lifecycle.advance(service.id)
        yield* lifecycle.touchAfterCommit(placed.value)
        return id
      })

      /** The service as it is now, frozen: configuration, and variables resolved and sealed together. */
      const freeze = Effect.fn("Releases.freeze")(function* (
        service: LockedService,
        sourceUploadId?: Ids.SourceUploadId,
      ) {
        const resolved = new Map([...(yield* variables.resolve(service.id))].sort(([a], [b]) => (a < b ? -1 : 1)))
        const variablesCiphertext = yield* crypto.encrypt(
          JSON.stringify(Object.fromEntries(resolved)),
          Catalog.deploymentVariables,
        )
        const snapshot = Snapshot.encode({
          service: {
            name: service.name,
            type: service.type,
            sourceType: service.sourceType,
            repoFullName: service.repoFullName,
            branch: service.branch,
            rootDirectory: service.rootDirectory,
            imageRef: service.imageRef,
            port: service.port,
            cronSchedule: service.cronSchedule,
            isPublic: service.isPublic,
          },
          config: Views.configOf(service),
          variableKeys: [...resolved.keys()],
          ...(sourceUploadId === undefined ? {} : { sourceUploadId }),
        })
        return { snapshot, variablesCiphertext }
      })

      return Releases.of({
        create: Effect.fn("Releases.create")(function* (serviceId, request, trigger, createdBy) {
          return yield* repository.transaction(
            Effect.gen(function* () {
              const service = yield* repository.lock(serviceId)
              if (request.sourceUploadId !== undefined) {
                // an uploaded folder is built like a commit, whatever the service's own source
                const other = (["commitSha", "imageRef", "imageDigest"] as const).find((k) => request[k] !== undefined)
                if (other !== undefined) {
                  return yield* breaks(other, "source", "must be left out: this deployment builds the uploaded folder")
                }
                const frozen = yield* freeze(service, request.sourceUploadId)
                return yield* enqueue(service, {
                  trigger,
                  commitSha: null,
                  commitMessage: request.commitMessage ?? null,
                  imageRef: null,
                  imageDigest: null,
                  ...frozen,
                  rollbackOfDeploymentId: null,
                  createdBy,
                })
              }
              if (service.sourceType === "image" && request.commitSha !== undefined) {
                return yield* breaks(
                  "commitSha",
                  "source",
                  "must be left out: this service runs an image, it does not build a commit",
                )
              }
              if (
                service.sourceType === "repo" &&
                (request.imageRef !== undefined || request.imageDigest !== undefined)
              ) {
                return yield* breaks(
                  request.imageRef !== undefined ? "imageRef" : "imageDigest",
                  "source",
                  "must be left out: this service is built from its repository; deploy a commitSha instead",
                )
              }
              const frozen = yield* freeze(service)
              return yield* enqueue(service, {
                trigger,
                commitSha: request.commitSha ?? null,
                commitMessage: request.commitMessage ?? null,
                imageRef: service.sourceType === "image" ? (request.imageRef ?? service.imageRef) : null,
                imageDigest: service.sourceType === "image" ? (request.imageDigest ?? null) : null,
                ...frozen,
                rollbackOfDeploymentId: null,
                createdBy,
              })
            }),
          )
        }),

        rollback: Effect.fn("Releases.rollback")(function* (deploymentId, createdBy) {
          const target = yield* repository.find(deploymentId)
          return yield* repository.transaction(
            Effect.gen(function* () {
              const service = yield* repository.lock(target.serviceId)
              const fresh = yield* repository.find(deploymentId)
              if (fresh.status === "active") {
                return yield* refused(
                  `Deploy #${fresh.number} is already serving: there is nothing to roll back to it from.`,
                )
              }
              if (fresh.status !== "superseded" || fresh.imageRef === null) {
                return yield* refused(
                  `Deploy #${fresh.number} never served (it is ${fresh.status}): roll back to a release that was active before.`,
                )
              }
              // the earlier release's image and frozen configuration, as they are: nothing is rebuilt or re-resolved
              return yield* enqueue(service, {
                trigger: "rollback",
                commitSha: fresh.commitSha,
                commitMessage: fresh.commitMessage,
                imageRef: fresh.imageRef,
                imageDigest: fresh.imageDigest,
                snapshot: fresh.configSnapshot,
                variablesCiphertext: fresh.variablesCiphertext,
                rollbackOfDeploymentId: fresh.id,
                createdBy,
              })
            }),
          )
        }),

        redeploy: Effect.fn("Releases.redeploy")(function* (deploymentId, createdBy) {
          const target = yield* repository.find(deploymentId)
          return yield* repository.transaction(
            Effect.gen(function* () {
              const service = yield* repository.lock(target.serviceId)
              const frozen = yield* freeze(service)
              return yield* enqueue(service, {
                trigger: "redeploy",
                commitSha: target.commitSha,
                commitMessage: target.commitMessage,
                imageRef: target.imageRef,
                imageDigest: target.imageDigest,
                ...frozen,
                rollbackOfDeploymentId: null,
                createdBy,
              })
            }),
          )
        }),

        variables: Effect.fn("Releases.variables")(function* (deploymentId) {
          const release = yield* repository.find(deploymentId)
          return yield* Effect.orDie(
            Snapshot.openVariables(crypto, Snapshot.decode(release.configSnapshot), release.variablesCiphertext),
          )
        }),
      })
    }),
  )
}
