import { Auth, PublicApi } from "@starform/domain"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { AuthCache } from "../auth/AuthCache.ts"
import { ProjectsClient } from "../projects/ProjectsClient.ts"
import { call, IdentityClient } from "./IdentityClient.ts"
import * as ProjectsOf from "./ProjectsOfWorkspaces.ts"

/**
 * API tokens, service accounts and the audit log of a workspace. Authorization is not here: each endpoint declares it
 * in the contract (`Auth.requires`) and `Auth.Authorization` applies it before a handler runs, giving it the workspace
 * (`CurrentTenant`), located by identity for a token or service account named by its own id.
 */
export const AccessHandlers = HttpApiBuilder.group(PublicApi.Api, "access", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const projects = yield* ProjectsClient
    const cache = yield* AuthCache
    const actor = Auth.CurrentActor

    return handlers
      .handle("createToken", ({ params, payload }) =>
        Effect.gen(function* () {
          yield* ProjectsOf.requireIn(projects, params.workspaceId, payload.projectId ?? null)
          return yield* call(
            identity.CreateToken({
              actor: yield* actor,
              workspaceId: params.workspaceId,
              serviceAccountId: null,
              request: payload,
            }),
          )
        }),
      )
      .handle("listTokens", ({ params }) => call(identity.ListTokens({ workspaceId: params.workspaceId })))
      .handle("revokeToken", ({ params }) =>
        Effect.gen(function* () {
          yield* call(identity.RevokeToken({ actor: yield* actor, tokenId: params.tokenId }))
          cache.clear()
        }),
      )
      .handle("createServiceAccount", ({ params, payload }) =>
        Effect.flatMap(actor, (actor) =>
          call(identity.CreateServiceAccount({ actor, workspaceId: params.workspaceId, request: payload })),
        ),
      )
      .handle("listServiceAccounts", ({ params }) =>
        call(identity.ListServiceAccounts({ workspaceId: params.workspaceId })),
      )
      .handle("deleteServiceAccount", ({ params }) =>
        Effect.gen(function* () {
          yield* call(identity.DeleteServiceAccount({ actor: yield* actor, serviceAccountId: params.serviceAccountId }))
          cache.clear()
        }),
      )
      .handle("createServiceAccountToken", ({ params, payload }) =>
        Effect.gen(function* () {
          const { workspaceId } = yield* Auth.CurrentTenant
          yield* ProjectsOf.requireIn(projects, workspaceId, payload.projectId ?? null)
          return yield* call(
            identity.CreateToken({
              actor: yield* actor,
              workspaceId,
              serviceAccountId: params.serviceAccountId,
              request: payload,
            }),
          )
        }),
      )
      .handle("listAuditLog", ({ params, query }) =>
        call(identity.ListAuditLog({ workspaceId: params.workspaceId, query })),
      )
  }),
)
