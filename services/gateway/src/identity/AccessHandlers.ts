import { Auth, type Ids, PublicApi } from "@starform/domain"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { AuthCache } from "../auth/AuthCache.ts"
import { ProjectsClient } from "../projects/ProjectsClient.ts"
import { call, IdentityClient } from "./IdentityClient.ts"
import * as ProjectsOf from "./ProjectsOfWorkspaces.ts"

/** API tokens, service accounts and the audit log of a workspace. */
export const AccessHandlers = HttpApiBuilder.group(PublicApi.Api, "access", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const projects = yield* ProjectsClient
    const cache = yield* AuthCache

    const inWorkspace = (action: Auth.Action, workspaceId: Ids.WorkspaceId, resource?: { type: string; id: string }) =>
      Effect.andThen(Auth.authorize(action, { workspaceId, resource }), Auth.CurrentActor)

    return handlers
      .handle("createToken", ({ params, payload }) =>
        Effect.gen(function* () {
          const actor = yield* inWorkspace("token.create", params.workspaceId)
          yield* ProjectsOf.requireIn(projects, params.workspaceId, payload.projectId ?? null)
          return yield* call(
            identity.CreateToken({ actor, workspaceId: params.workspaceId, serviceAccountId: null, request: payload }),
          )
        }),
      )
      .handle("listTokens", ({ params }) =>
        Effect.andThen(
          inWorkspace("token.read", params.workspaceId),
          call(identity.ListTokens({ workspaceId: params.workspaceId })),
        ),
      )
      .handle("revokeToken", ({ params }) =>
        Effect.gen(function* () {
          const location = yield* call(identity.Locate({ kind: "api_token", id: params.tokenId }))
          const actor = yield* inWorkspace("token.revoke", location.workspaceId, {
            type: "API token",
            id: params.tokenId,
          })
          yield* call(identity.RevokeToken({ actor, tokenId: params.tokenId }))
          cache.clear()
        }),
      )
      .handle("createServiceAccount", ({ params, payload }) =>
        Effect.flatMap(inWorkspace("service_account.create", params.workspaceId), (actor) =>
          call(identity.CreateServiceAccount({ actor, workspaceId: params.workspaceId, request: payload })),
        ),
      )
      .handle("listServiceAccounts", ({ params }) =>
        Effect.andThen(
          inWorkspace("service_account.read", params.workspaceId),
          call(identity.ListServiceAccounts({ workspaceId: params.workspaceId })),
        ),
      )
      .handle("deleteServiceAccount", ({ params }) =>
        Effect.gen(function* () {
          const location = yield* call(identity.Locate({ kind: "service_account", id: params.serviceAccountId }))
          const actor = yield* inWorkspace("service_account.delete", location.workspaceId, {
            type: "service account",
            id: params.serviceAccountId,
          })
          yield* call(identity.DeleteServiceAccount({ actor, serviceAccountId: params.serviceAccountId }))
          cache.clear()
        }),
      )
      .handle("createServiceAccountToken", ({ params, payload }) =>
        Effect.gen(function* () {
          const location = yield* call(identity.Locate({ kind: "service_account", id: params.serviceAccountId }))
          const actor = yield* inWorkspace("service_account.create", location.workspaceId, {
            type: "service account",
            id: params.serviceAccountId,
          })
          yield* ProjectsOf.requireIn(projects, location.workspaceId, payload.projectId ?? null)
          return yield* call(
            identity.CreateToken({
              actor,
              workspaceId: location.workspaceId,
              serviceAccountId: params.serviceAccountId,
              request: payload,
            }),
          )
        }),
      )
      .handle("listAuditLog", ({ params, query }) =>
        Effect.andThen(
          inWorkspace("audit.read", params.workspaceId),
          call(identity.ListAuditLog({ workspaceId: params.workspaceId, query })),
        ),
      )
  }),
)
