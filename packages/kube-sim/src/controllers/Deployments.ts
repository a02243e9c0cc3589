import { clone, isObject, type JsonObject } from "../Json.ts"
import { type KObject, namespaced, ownerRef } from "../Objects.ts"
import { type Context, controllerManager, num, ownedBy, scaled, spec, status, writeObject } from "./Context.ts"
import { syncStatus } from "./DeploymentStatus.ts"
import { isScalingEvent, recreate, replicas, rolling, scaleProportionally, strategyValue } from "./Rollout.ts"
import { type Controller, ownerKeys, selfKey, splitKey } from "./Runner.ts"
import { identity, templateHash, withoutHash } from "./TemplateHash.ts"

const revisionOf = (rs: KObject): number =>
  Number(rs.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? "0") || 0

/**
 * The Deployment controller: one ReplicaSet per pod template, rolled with maxSurge and maxUnavailable (or
 * Recreate), revisions and history, and the status a rollout is judged by: updated/ready/available replicas and
 * the Available, Progressing (ProgressDeadlineExceeded) and ReplicaFailure conditions.
 */
export class Deployments implements Controller {
  readonly name = "deployment-controller"
  readonly triggers: Controller["triggers"]

  private readonly ctx: Context
  constructor(ctx: Context) {
    this.ctx = ctx
    this.triggers = [
      { resource: ctx.types.deployments, keys: selfKey },
      { resource: ctx.types.replicaSets, keys: ownerKeys("Deployment") },
    ]
  }

  sync(key: string): void {
    const { cluster, types } = this.ctx
    const [namespace, name] = splitKey(key)
    let deployment = cluster.find(types.deployments, namespace, name)
    if (!deployment || deployment.metadata.deletionTimestamp) return
    const dSpec = spec(deployment)
    let all = ownedBy(this.ctx, deployment, types.replicaSets)
    const template = dSpec.template
    const wanted = identity(template)
    let newRS = all.find((rs) => identity(spec(rs).template) === wanted)
    const paused = dSpec.paused === true
    let progressReason: { reason: string; message: string } | undefined

    if (!paused) {
      const maxRevision = all.reduce((n, rs) => Math.max(n, revisionOf(rs)), 0)
      if (!newRS) {
        newRS = this.createReplicaSet(deployment, maxRevision + 1)
        all = [...all, newRS]
        progressReason = { reason: "NewReplicaSetCreated", message: `Created new replica set "${newRS.metadata.name}"` }
      } else if (
        revisionOf(newRS) < maxRevision ||
        newRS.metadata.annotations?.["deployment.kubernetes.io/revision"] === undefined
      ) {
        newRS = this.setRevision(newRS, maxRevision + 1, deployment)
        all = all.map((rs) => (rs.metadata.uid === newRS!.metadata.uid ? newRS! : rs))
        progressReason = { reason: "FoundNewReplicaSet", message: `Found new replica set "${newRS.metadata.name}"` }
      }
      const revision = String(revisionOf(newRS))
      // Through /status, as the real controller does (UpdateStatus): there an annotation moves no generation, so
      // recording the revision does not make the Deployment look unobserved.
      if (deployment.metadata.annotations?.["deployment.kubernetes.io/revision"] !== revision) {
        deployment = cluster.update(
          types.deployments,
          namespace,
          name,
          {
            ...deployment,
            metadata: {
              ...deployment.metadata,
              annotations: { ...deployment.metadata.annotations, "deployment.kubernetes.io/revision": revision },
            },
          },
          { manager: controllerManager, scope: "status" },
        )
      }
      const old = all
        .filter((rs) => rs !== newRS)
        .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))
      const strategy = isObject(dSpec.strategy) ? dSpec.strategy : {}
      const rollingUpdate = strategy.type !== "Recreate"
      // A change of replicas while ReplicaSets are active is spread over them first; the rollout goes on at the
      // next sync, from the resized sets.
      const resized =
        isScalingEvent(deployment, all) && scaleProportionally(this.ctx, deployment, newRS, old, rollingUpdate)
      if (!resized) {
        if (rollingUpdate) rolling(this.ctx, deployment, newRS, old)
        else recreate(this.ctx, deployment, newRS, old)
      }
      all = ownedBy(this.ctx, deployment, types.replicaSets)
      newRS = all.find((rs) => rs.metadata.uid === newRS!.metadata.uid)
      this.cleanup(deployment, all, newRS)
      all = ownedBy(this.ctx, deployment, types.replicaSets)
    }
    syncStatus(this.ctx, this.name, deployment, all, newRS, progressReason)
  }

  private createReplicaSet(deployment: KObject, revision: number): KObject {
    const dSpec = spec(deployment)
    const template = clone((dSpec.template ?? {}) as JsonObject)
    const hash = templateHash(withoutHash(template))
    const metadata = isObject(template.metadata) ? template.metadata : {}
    const labels = {
      ...(isObject(metadata.labels) ? (metadata.labels as Record<string, string>) : {}),
      "pod-template-hash": hash,
    }
    template.metadata = { ...metadata, labels }
    const selector = isObject(dSpec.selector) ? clone(dSpec.selector) : {}
    selector.matchLabels = {
      ...(isObject(selector.matchLabels) ? selector.matchLabels : {}),
      "pod-template-hash": hash,
    }
    const desired = num(dSpec.replicas, 1)
    const rs: KObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${deployment.metadata.name ?? ""}-${hash}`,
        ...namespaced(deployment.metadata.namespace),
        labels,
        annotations: {
          "deployment.kubernetes.io/desired-replicas": String(desired),
          "deployment.kubernetes.io/max-replicas": String(
            desired + scaled(strategyValue(deployment, "maxSurge"), desired, true),
          ),
          "deployment.kubernetes.io/revision": String(revision),
        },
        ownerReferences: [ownerRef(deployment)],
      },
      spec: {
        replicas: 0,
        ...(dSpec.minReadySeconds !== undefined ? { minReadySeconds: dSpec.minReadySeconds } : {}),
        selector,
        template,
      },
    }
    return this.ctx.cluster.create(this.ctx.types.replicaSets, deployment.metadata.namespace, rs, {
      manager: controllerManager,
    })
  }

  private setRevision(rs: KObject, revision: number, deployment: KObject): KObject {
    const annotations = { ...rs.metadata.annotations, "deployment.kubernetes.io/revision": String(revision) }
    const rsSpec = { ...spec(rs) }
    const minReady = spec(deployment).minReadySeconds
    if (minReady === undefined) delete rsSpec.minReadySeconds
    else rsSpec.minReadySeconds = minReady
    return writeObject(
      this.ctx,
      this.ctx.types.replicaSets,
      rs,
      { ...rs, metadata: { ...rs.metadata, annotations }, spec: rsSpec },
      controllerManager,
    )
  }

  /** Old ReplicaSets beyond revisionHistoryLimit go, oldest first, once they have no pods. */
  private cleanup(deployment: KObject, all: KObject[], newRS: KObject | undefined) {
    const limit = num(spec(deployment).revisionHistoryLimit, 10)
    const idle = all
      .filter(
        (rs) => rs !== newRS && replicas(rs) === 0 && num(status(rs).replicas) === 0 && !rs.metadata.deletionTimestamp,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b))
    const excess = idle.length - limit
    for (let i = 0; i < excess; i++) {
      const rs = idle[i]!
      this.ctx.cluster.delete(this.ctx.types.replicaSets, rs.metadata.namespace, rs.metadata.name ?? "", {})
    }
  }
}
