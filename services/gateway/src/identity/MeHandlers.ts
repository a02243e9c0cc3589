import { Auth, PublicApi } from "@starform/domain"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as AuditTrail from "../auth/AuditTrail.ts"
import { AuthCache } from "../auth/AuthCache.ts"
import { ProjectsClient } from "../projects/ProjectsClient.ts"
import { call, IdentityClient } from "./IdentityClient.ts"
import * as ProjectsOf from "./ProjectsOfWorkspaces.ts"

/** `/v1/me/*` and sign-out: the signed-in person's own account. */
export const MeHandlers = HttpApiBuilder.group(PublicApi.Api, "me", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const projects = yield* ProjectsClient
    const cache = yield* AuthCache
    const self = (action: string) =>
      Effect.gen(function* () {
        const actor = yield* Auth.CurrentActor
        yield* AuditTrail.note({ action, targetType: "user", targetId: actor.userId })
        return actor
      })

    return handlers
      .handle("getMe", () => Effect.flatMap(Auth.CurrentActor, (actor) => call(identity.GetMe({ actor }))))
      .handle("updateMe", ({ payload }) =>
        Effect.flatMap(self("account.update"), (actor) => call(identity.UpdateMe({ actor, request: payload }))),
      )
      .handle("logout", () =>
        Effect.gen(function* () {
          const actor = yield* self("session.revoke")
          yield* call(identity.Logout({ actor }))
          cache.clear()
        }),
      )
      .handle("listSessions", () =>
        Effect.flatMap(Auth.CurrentActor, (actor) => call(identity.ListSessions({ actor }))),
      )
      .handle("revokeSession", ({ params }) =>
        Effect.gen(function* () {
          const actor = yield* self("session.revoke")
          yield* call(identity.RevokeSession({ actor, sessionId: params.sessionId }))
          cache.clear()
        }),
      )
      .handle("resendVerification", () =>
        Effect.flatMap(self("account.verify_email"), (actor) => call(identity.ResendVerification({ actor }))),
      )
      .handle("enrolMfa", () =>
        Effect.flatMap(self("account.mfa_enrol"), (actor) => call(identity.EnrolMfa({ actor }))),
      )
      .handle("confirmMfa", ({ payload }) =>
        Effect.flatMap(self("account.mfa_enable"), (actor) => call(identity.ConfirmMfa({ actor, code: payload.code }))),
      )
      .handle("regenerateRecoveryCodes", ({ payload }) =>
        Effect.flatMap(self("account.mfa_recovery_codes"), (actor) =>
          call(identity.RegenerateRecoveryCodes({ actor, code: payload.code })),
        ),
      )
      .handle("disableMfa", ({ payload }) =>
        Effect.flatMap(self("account.mfa_disable"), (actor) =>
          call(identity.DisableMfa({ actor, code: payload.code })),
        ),
      )
      .handle("listMemberships", () =>
        Effect.flatMap(Auth.CurrentActor, (actor) => call(identity.ListMemberships({ actor }))),
      )
      .handle("acceptInvitation", ({ payload }) =>
        Effect.gen(function* () {
          const actor = yield* self("member.join")
          const membership = yield* call(identity.AcceptInvitation({ actor, token: payload.token }))
          yield* AuditTrail.note({ workspaceId: membership.workspaceId })
          cache.clear()
          return membership
        }),
      )
      .handle("exportAccount", () =>
        Effect.flatMap(Auth.CurrentActor, (actor) => call(identity.ExportAccount({ actor }))),
      )
      .handle("deleteAccount", ({ payload }) =>
        Effect.gen(function* () {
          const actor = yield* self("account.delete")
          const owned = (yield* call(identity.ListMemberships({ actor })))
            .filter((membership) => membership.role === "owner")
            .map((membership) => membership.workspaceId)
          const projectCounts = yield* ProjectsOf.countsIn(projects, owned)
          const { pseudonym } = yield* call(
            identity.DeleteAccount({ actor, password: payload.password ?? null, projectCounts }),
          )
          // The person is gone: their audit entries (this one included) name only the pseudonym.
          yield* AuditTrail.note({ actorIdOverride: pseudonym, targetId: pseudonym })
          cache.clear()
        }),
      )
  }),
)
