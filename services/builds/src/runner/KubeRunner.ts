import { Kube, type KubeObject } from "@starform/kube"
import { Clock, Effect, Layer, Option, Redacted } from "effect"
import * as Job from "./Job.ts"
import type { Ending } from "./Protocol.ts"
import { type JobRef, Runner, RunnerUnavailable } from "./Runner.ts"

/**
 * Builds as Kubernetes Jobs through the `Kube` client: the Job's pod's output is read back (`pods/log`) and its
 * end taken from the Job's conditions and the container's exit code. A Job or pod that is gone, a pod evicted or
 * a Job failed without its container ever finishing is a lost runner.
 */

const fieldManager = "starform-builds"

interface Pod extends KubeObject {
  readonly status?: {
    readonly phase?: string
    readonly reason?: string
    readonly message?: string
    readonly containerStatuses?: ReadonlyArray<{
      readonly state?: { readonly terminated?: { readonly exitCode: number; readonly reason?: string } }
    }>
  }
}

interface JobObject extends KubeObject {
  readonly status?: {
    readonly conditions?: ReadonlyArray<{
      readonly type: string
      readonly status: string
      readonly reason?: string
      readonly message?: string
    }>
  }
}

const nameOf = (job: JobRef) =>
  job.kind === "build" ? Job.jobName(job.buildId, job.attempt) : Job.predeployJobName(job.buildId)

const unavailable = (what: string) => (error: { readonly message: string }) =>
  new RunnerUnavailable({ message: `${what}: ${error.message}` })

export const layer = Layer.effect(
  Runner,
  Effect.gen(function* () {
    const kube = yield* Kube

    const ensureNamespace = (name: string) =>
      kube
        .apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, { fieldManager })
        .pipe(Effect.mapError(unavailable(`creating namespace ${name}`)))

    const start = (objects: ReadonlyArray<KubeObject>, namespace: string) =>
      Effect.gen(function* () {
        yield* ensureNamespace(namespace)
        for (const object of objects) {
          yield* kube
            .apply(object, { fieldManager, force: true })
            .pipe(Effect.mapError(unavailable(`creating ${object.kind} ${object.metadata.name}`)))
        }
      })

    const podOf = (job: JobRef) =>
      kube
        .list<Pod>({
          apiVersion: "v1",
          kind: "Pod",
          namespace: job.namespace,
          // the template's own labels: a build id names one attempt, and each attempt has one Job of each kind
          labelSelector: { [Job.buildLabel]: job.buildId, [Job.component]: job.kind },
        })
        .pipe(
          Effect.map((list) => Option.fromNullishOr(list.items.at(-1))),
          Effect.mapError(unavailable(`listing the pods of ${nameOf(job)}`)),
        )

    const endingOf = (job: JobObject | undefined, pod: Option.Option<Pod>): Option.Option<Ending> => {
      if (job === undefined) return Option.some({ _tag: "Lost", detail: "its Job was deleted" })
      const terminated = Option.flatMap(pod, (p) =>
        Option.fromNullishOr(p.status?.containerStatuses?.[0]?.state?.terminated),
      )
      if (Option.isSome(terminated)) return Option.some({ _tag: "Exited", exitCode: terminated.value.exitCode })
      if (Option.isSome(pod) && pod.value.status?.reason === "Evicted")
        return Option.some({ _tag: "Lost", detail: `its pod was evicted: ${pod.value.status.message ?? ""}`.trim() })
      const failed = job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True")
      if (failed !== undefined)
        return Option.some({
          _tag: "Lost",
          detail: `its Job failed: ${failed.reason ?? ""} ${failed.message ?? ""}`.trim(),
        })
      return Option.none()
    }

    return Runner.of({
      startBuild: (spec, token) =>
        start([Job.tokenSecret(spec, Redacted.value(token)), Job.buildJob(spec)], Job.namespace).pipe(
          Effect.as<JobRef>({ kind: "build", buildId: spec.buildId, attempt: spec.attempt, namespace: Job.namespace }),
        ),

      startPredeploy: (spec, variables) => {
        const job = Job.predeployJob(spec)
        // the Secret first, so the Job's pod never starts without it; then handed to the Job, to go with it
        return start([Job.predeployEnvSecret(spec, variables), job], job.metadata.namespace).pipe(
          Effect.flatMap(() =>
            kube.get({
              apiVersion: "batch/v1",
              kind: "Job",
              namespace: job.metadata.namespace,
              name: job.metadata.name,
            }),
          ),
          Effect.flatMap((created) =>
            kube.apply(Job.predeployEnvSecret(spec, variables, { uid: created.metadata.uid ?? "" }), {
              fieldManager,
              force: true,
            }),
          ),
          Effect.mapError(unavailable(`creating the pre-deploy Secret ${job.metadata.name}`)),
          Effect.as<JobRef>({
            kind: "predeploy",
            buildId: spec.buildId,
            attempt: spec.attempt,
            namespace: job.metadata.namespace,
          }),
        )
      },

      observe: Effect.fn("KubeRunner.observe")(function* (job: JobRef, cursor: number) {
        const found = yield* kube
          .get<JobObject>({ apiVersion: "batch/v1", kind: "Job", namespace: job.namespace, name: nameOf(job) })
          .pipe(
            Effect.map((object): JobObject | undefined => object),
            Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
            Effect.mapError(unavailable(`reading Job ${nameOf(job)}`)),
          )
        const pod = found === undefined ? Option.none<Pod>() : yield* podOf(job)
        const text = Option.isNone(pod)
          ? ""
          : yield* kube.podLog({ namespace: job.namespace, name: pod.value.metadata.name ?? "" }).pipe(
              // a pod still pulling its image has no log yet
              Effect.catch(() => Effect.succeed("")),
            )
        const all = text.length === 0 ? [] : text.replace(/\n$/, "").split("\n")
        const at = new Date(yield* Clock.currentTimeMillis)
        // the ending is read after the log, so no line written before the end is missed
        return {
          lines: all.slice(cursor).map((line) => ({ at, line })),
          ending: endingOf(found, pod),
        }
      }),

      stop: (job) =>
        Effect.gen(function* () {
          const name = nameOf(job)
          yield* kube
            .delete(
              { apiVersion: "batch/v1", kind: "Job", namespace: job.namespace, name },
              { propagationPolicy: "Background" },
            )
            .pipe(Effect.ignore)
          yield* kube.delete({ apiVersion: "v1", kind: "Secret", namespace: job.namespace, name }).pipe(Effect.ignore)
        }),
    })
  }),
)
