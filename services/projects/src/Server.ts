import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { ProjectsRpc, ShuttleRpc } from "@starform/domain"
import { ServiceServer, TrustedAnswers } from "@starform/rpc"
import { Effect, Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import { RpcSerialization } from "effect/rpc"
import { AuditTrail } from "./AuditTrail.ts"
import { Clusters } from "./Clusters.ts"
import { Deployments } from "./deployments/Deployments.ts"
import {
  invalidAsValidationFailed,
  missingAsNotFound,
  noClusterAsConflict,
  refusedAsConflict,
  unrecordedAsDefect,
} from "./Errors.ts"
import { DesiredStateFeed } from "./Feed.ts"
import { Domains } from "./hostnames/Domains.ts"
import { IdentityClient } from "./IdentityClient.ts"
import { ObservedState } from "./Observed.ts"
import { Projects } from "./Projects.ts"
import { Services } from "./Services.ts"
import { Variables } from "./Variables.ts"

/**
 * The projects service on its own port: the gateway's RPCs at `ProjectsRpc.path` and Shuttle's at
 * `ShuttleRpc.path`, both Effect RPC over HTTP (JSON). Needs `SqlClient` and `FieldCrypto`, and the identity service
 * (workspaces' plans, the audit log). The service's own failures become the API's errors here, once.
 */

// the deployments and variables areas' own failures, as the API's errors: here, once
const notFound = { Missing: missingAsNotFound }
const refusals = { Refused: refusedAsConflict }
const stateErrors = { Missing: missingAsNotFound, Refused: refusedAsConflict }
const changeErrors = { Missing: missingAsNotFound, Refused: refusedAsConflict, Invalid: invalidAsValidationFailed }
const revealErrors = { Missing: missingAsNotFound, AuditNotRecorded: unrecordedAsDefect }
const deployErrors = {
  Missing: missingAsNotFound,
  Refused: refusedAsConflict,
  Invalid: invalidAsValidationFailed,
  NoClusterAvailable: noClusterAsConflict,
}

const ProjectsHandlers = ProjectsRpc.ProjectsRpcs.toLayer(
  Effect.gen(function* () {
    const projects = yield* Projects
    const services = yield* Services
    const variables = yield* Variables
    const deployments = yield* Deployments
    const clusters = yield* Clusters
    const domains = yield* Domains
    return ProjectsRpc.ProjectsRpcs.of({
      Locate: ({ kind, id }) => projects.locate(kind, id).pipe(Effect.catchTags(notFound)),
      ListProjects: ({ workspaceId }) => projects.list(workspaceId),
      CreateProject: ({ workspaceId, request }) =>
        projects.create(workspaceId, request).pipe(Effect.catchTags(changeErrors)),
      GetProject: ({ projectId }) => projects.get(projectId).pipe(Effect.catchTags(notFound)),
      UpdateProject: ({ projectId, request }) =>
        projects.update(projectId, request).pipe(Effect.catchTags(changeErrors)),
      DeleteProject: ({ projectId }) => projects.remove(projectId).pipe(Effect.catchTags(notFound)),
      ListEnvironments: ({ projectId }) => projects.listEnvironments(projectId).pipe(Effect.catchTags(notFound)),
      CreateEnvironment: ({ projectId, request }) =>
        projects.createEnvironment(projectId, request).pipe(Effect.catchTags(changeErrors)),
      GetEnvironment: ({ environmentId }) => projects.getEnvironment(environmentId).pipe(Effect.catchTags(notFound)),
      UpdateEnvironment: ({ environmentId, request }) =>
        projects.updateEnvironment(environmentId, request).pipe(Effect.catchTags(changeErrors)),
      DeleteEnvironment: ({ environmentId }) =>
        projects.removeEnvironment(environmentId).pipe(Effect.catchTags(notFound)),
      ListServices: ({ environmentId }) => services.list(environmentId).pipe(Effect.catchTags(notFound)),
      CreateService: ({ environmentId, request }) =>
        services.create(environmentId, request).pipe(Effect.catchTags(stateErrors)),
      GetService: ({ serviceId }) => services.get(serviceId).pipe(Effect.catchTags(notFound)),
      UpdateService: ({ serviceId, request }) =>
        services.update(serviceId, request).pipe(Effect.catchTags(stateErrors)),
      ListServiceDomains: ({ serviceId }) => domains.list(serviceId).pipe(Effect.catchTags(notFound)),
      ChangeGeneratedSubdomain: ({ serviceId, subdomain, actor }) =>
        domains
          .changeSubdomain(serviceId, subdomain, actor)
          .pipe(Effect.catchTags({ ...stateErrors, AuditNotRecorded: unrecordedAsDefect })),
      DeleteService: ({ serviceId }) => services.remove(serviceId).pipe(Effect.catchTags(notFound)),
      ListServiceVariables: ({ serviceId }) => variables.listService(serviceId).pipe(Effect.catchTags(notFound)),
      SetServiceVariables: ({ serviceId, variables: values }) =>
        variables.setService(serviceId, values).pipe(Effect.catchTags(changeErrors)),
      DeleteServiceVariable: ({ serviceId, key }) =>
        variables.deleteService(serviceId, key).pipe(Effect.catchTags(notFound)),
      RevealServiceVariable: ({ serviceId, key, actor }) =>
        variables.revealService(serviceId, key, actor).pipe(Effect.catchTags(revealErrors)),
      ListVarGroupLinks: ({ serviceId }) => variables.listLinks(serviceId).pipe(Effect.catchTags(notFound)),
      LinkVarGroups: ({ serviceId, varGroupIds }) =>
        variables.link(serviceId, varGroupIds).pipe(Effect.catchTags(changeErrors)),
      ListVarGroups: ({ projectId }) => variables.listGroups(projectId).pipe(Effect.catchTags(notFound)),
      CreateVarGroup: ({ projectId, request }) =>
        variables.createGroup(projectId, request).pipe(Effect.catchTags(changeErrors)),
      GetVarGroup: ({ varGroupId }) => variables.getGroup(varGroupId).pipe(Effect.catchTags(notFound)),
      UpdateVarGroup: ({ varGroupId, request }) =>
        variables.updateGroup(varGroupId, request).pipe(Effect.catchTags(changeErrors)),
      DeleteVarGroup: ({ varGroupId }) => variables.deleteGroup(varGroupId).pipe(Effect.catchTags(notFound)),
      SetVarGroupVariables: ({ varGroupId, request }) =>
        variables.setGroup(varGroupId, request).pipe(Effect.catchTags(changeErrors)),
      DeleteVarGroupVariable: ({ varGroupId, key, environmentId }) =>
        variables.deleteGroupEntry(varGroupId, key, environmentId).pipe(Effect.catchTags(notFound)),
      RevealVarGroupVariable: ({ varGroupId, key, environmentId, actor }) =>
        variables.revealGroupEntry(varGroupId, key, environmentId, actor).pipe(Effect.catchTags(revealErrors)),
      ListDeployments: ({ serviceId, limit }) => deployments.list(serviceId, limit).pipe(Effect.catchTags(notFound)),
      CreateDeployment: ({ serviceId, request, trigger, createdBy }) =>
        deployments.create(serviceId, request, trigger, createdBy).pipe(Effect.catchTags(deployErrors)),
      GetDeployment: ({ deploymentId }) => deployments.get(deploymentId).pipe(Effect.catchTags(notFound)),
      GetReleaseVariables: ({ deploymentId }) =>
        deployments.releaseVariables(deploymentId).pipe(Effect.catchTags(notFound)),
      RollbackDeployment: ({ deploymentId, createdBy }) =>
        deployments.rollback(deploymentId, createdBy).pipe(Effect.catchTags(deployErrors)),
      RedeployDeployment: ({ deploymentId, createdBy }) =>
        deployments.redeploy(deploymentId, createdBy).pipe(Effect.catchTags(deployErrors)),
      CancelDeployment: ({ deploymentId }) => deployments.cancel(deploymentId).pipe(Effect.catchTags(stateErrors)),
      DeployPush: (push) => deployments.deployPush(push),
      RecordBuild: ({ deploymentId, outcome }) =>
        deployments.recordBuild(deploymentId, outcome).pipe(Effect.catchTags(stateErrors)),
      ListBuildingDeployments: ({ limit, ids }) => deployments.listBuilding(limit, ids),
      DisableAutoDeploy: ({ workspaceId, repoOwner, reason }) =>
        deployments.setAutoDeploy({ workspaceId, repoOwner, enabled: false, reason }),
      RestoreAutoDeploy: ({ workspaceId, repoOwner, reason }) =>
        deployments.setAutoDeploy({ workspaceId, repoOwner, enabled: true, reason }),
      ListRegions: () => clusters.listRegions,
      CreateRegion: ({ slug, name }) => clusters.createRegion(slug, name).pipe(Effect.catchTags(refusals)),
      RegisterCluster: (input) => clusters.register(input).pipe(Effect.catchTags(stateErrors)),
      ListClusters: () => clusters.list,
      RotateClusterToken: ({ clusterId }) =>
        clusters.rotateToken(clusterId).pipe(
          Effect.map((token) => ({ token })),
          Effect.catchTags(notFound),
        ),
      SetClusterStatus: ({ clusterId, status }) =>
        clusters.setStatus(clusterId, status).pipe(Effect.catchTags(stateErrors)),
    })
  }),
)

const unauthorized = (message: string) => new ShuttleRpc.ClusterUnauthorized({ message })

/** Finds the cluster of the bearer token; a missing, unknown or revoked token is refused before any handler runs. */
const ClusterAuthenticationLive = Layer.effect(
  ShuttleRpc.ClusterAuthentication,
  Effect.gen(function* () {
    const clusters = yield* Clusters
    return ShuttleRpc.ClusterAuthentication.of((effect, { headers }) =>
      Effect.gen(function* () {
        const header = headers[ShuttleRpc.tokenHeader] ?? ""
        const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1]
        if (token === undefined)
          return yield* unauthorized("Send the cluster's token as authorization: Bearer <token>.")
        const clusterId = yield* clusters.authenticate(token)
        if (Option.isNone(clusterId)) return yield* unauthorized("The cluster token is unknown or has been replaced.")
        return yield* Effect.provideService(effect, ShuttleRpc.CurrentCluster, { clusterId: clusterId.value })
      }),
    )
  }),
)

const ShuttleHandlers = ShuttleRpc.ShuttleRpcs.toLayer(
  Effect.gen(function* () {
    const observed = yield* ObservedState
    const ownCluster = (clusterId: string) =>
      Effect.flatMap(ShuttleRpc.CurrentCluster, (current) =>
        current.clusterId === clusterId
          ? Effect.succeed(current.clusterId)
          : Effect.fail(unauthorized(`This token belongs to another cluster than ${clusterId}.`)),
      )
    return ShuttleRpc.ShuttleRpcs.of({
      ReportObservedState: ({ clusterId, services }) =>
        Effect.flatMap(ownCluster(clusterId), (own) => observed.report(own, services)),
    })
  }),
)

const ShuttleDocumentHandlers = ShuttleRpc.ShuttleDocumentRpcs.toLayer(
  Effect.gen(function* () {
    const feed = yield* DesiredStateFeed
    const ownCluster = (clusterId: string) =>
      Effect.flatMap(ShuttleRpc.CurrentCluster, (current) =>
        current.clusterId === clusterId
          ? Effect.succeed(current.clusterId)
          : Effect.fail(unauthorized(`This token belongs to another cluster than ${clusterId}.`)),
      )
    return ShuttleRpc.ShuttleDocumentRpcs.of({
      GetDesiredStateDocument: ({ clusterId, knownVersion, waitMs }) =>
        Effect.gen(function* () {
          const own = yield* ownCluster(clusterId)
          const answer = yield* feed.await(own, knownVersion, waitMs ?? ShuttleRpc.defaultWaitMs)
          const { published } = answer
          return answer._tag === "Changed"
            ? ({
                _tag: "ChangedDocument",
                clusterId: published.clusterId,
                version: published.version,
                hash: published.hash,
                document: published.bytes,
              } as const)
            : ({ _tag: "NotModified", version: published.version, hash: published.hash } as const)
        }),
    })
  }),
)

/** Everything below the RPC handlers. Needs `IdentityClient` besides the database and the keyring. */
export const ServicesLive = ObservedState.layer.pipe(
  Layer.provideMerge(Deployments.layerWithParts),
  Layer.provideMerge(Layer.mergeAll(Services.layer, Variables.layer)),
  Layer.provideMerge(Domains.layer),
  Layer.provideMerge(Projects.layer),
  Layer.provideMerge(DesiredStateFeed.layer),
  Layer.provideMerge(Clusters.layer),
  Layer.provideMerge(AuditTrail.layer),
)

/** The RPC routes of both contracts. */
export const routes = Layer.mergeAll(
  ServiceServer.layerHttp({ group: ProjectsRpc.ProjectsRpcs, path: ProjectsRpc.path }).pipe(
    Layer.provide(ProjectsHandlers),
    // Its answers are the contract's types already: encoded without their checks again (see `TrustedAnswers`).
    Layer.provide(TrustedAnswers.layerVouching(ProjectsRpc.serialization)),
  ),
  ServiceServer.layerHttp({ group: ShuttleRpc.ShuttleRpcs, path: ShuttleRpc.path }).pipe(
    Layer.provide(ShuttleHandlers),
    Layer.provide(ClusterAuthenticationLive),
  ),
  ServiceServer.layerHttp({ group: ShuttleRpc.ShuttleDocumentRpcs, path: ShuttleRpc.documentPath }).pipe(
    Layer.provide(ShuttleDocumentHandlers),
    Layer.provide(ClusterAuthenticationLive),
  ),
).pipe(Layer.provide(RpcSerialization.layerJson), Layer.provideMerge(ServicesLive))

export interface ListenOptions {
  readonly host: string
  /** 0 picks a free port; the address bound is on `HttpServer.HttpServer`. */
  readonly port: number
  /** The identity service's RPC endpoint (e.g. `http://127.0.0.1:8081/rpc`). */
  readonly identityUrl: string
}

/** The projects service listening on `host:port`. */
export const layer = (options: ListenOptions) =>
  HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })),
    Layer.provideMerge(IdentityClient.layer(options.identityUrl)),
  )
