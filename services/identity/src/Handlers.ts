import { ApiErrors, Auth, IdentityRpc } from "@starform/domain"
import { Effect, Layer, Predicate } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Access } from "./access/Access.ts"
import { AuditLog } from "./access/AuditLog.ts"
import { Accounts } from "./accounts/Accounts.ts"
import { DeviceCodes } from "./accounts/DeviceCodes.ts"
import { Gdpr } from "./accounts/Gdpr.ts"
import { Mfa } from "./accounts/Mfa.ts"
import { Sso } from "./accounts/Sso.ts"
import { Signer } from "./Signer.ts"
import * as Budgets from "./store/Budgets.ts"
import { Sessions } from "./store/Sessions.ts"
import { Workspaces } from "./workspaces/Workspaces.ts"

/** The identity RPCs, each handed to the module that owns it. */

/**
 * The person behind an actor, for a route only a person can use (`doing` words it); tokens and service accounts have
 * no account of their own, and hear so (403), which is an answer, not a failure of the service.
 */
const personOf = (actor: Auth.Actor, doing: string) =>
  actor.kind === "user" && actor.userId !== null ? Effect.succeed(actor.userId) : Effect.fail(Auth.personOnly(doing))

/** A token signing out: refused rather than ignored, since nothing would change (it is not revoked). */
const tokenCannotSignOut = new ApiErrors.Forbidden({
  message:
    "An API token or a service account has no session to sign out of, so nothing was changed: the token stays valid " +
    "until it expires or is revoked (DELETE /v1/tokens/{tokenId}). Sign in as a person to sign out.",
})

/** The acting person, or null for a token (which the gateway has already authorized). */
const userIdOf = (actor: Auth.Actor) => (actor.kind === "user" ? actor.userId : null)

/**
 * A failure nobody planned for (a database error, a bug) is logged here by its name, message and constraint only —
 * the failing statement's details can hold a row, and a row can hold a password hash — and the caller gets a defect
 * that says no more.
 */
const describe = (defect: unknown): string => {
  if (defect instanceof Error) {
    const constraint = Predicate.hasProperty(defect, "reason")
      ? (defect.reason as { constraint?: unknown }).constraint
      : undefined
    return `${defect.name}: ${defect.message}${typeof constraint === "string" ? ` (${constraint})` : ""}`
  }
  return typeof defect
}

const contained = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
  Effect.catchDefect(effect, (defect) =>
    Effect.andThen(
      Effect.logError(`identity: ${name} failed: ${describe(defect)}`),
      Effect.die(new Error(`identity: ${name} failed`)),
    ),
  )

/** Every handler of `handlers`, its unplanned failures contained. */
const containAll = <H extends Record<string, (...args: Array<never>) => unknown>>(handlers: H): H =>
  Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      (...args: Array<never>) => {
        const result = handler(...args)
        return Effect.isEffect(result) ? contained(name, result) : result
      },
    ]),
  ) as H

export const layer = IdentityRpc.IdentityRpcs.toLayer(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const accounts = yield* Accounts
    const sessions = yield* Sessions
    const mfa = yield* Mfa
    const sso = yield* Sso
    const gdpr = yield* Gdpr
    const signer = yield* Signer
    const access = yield* Access
    const audit = yield* AuditLog
    const workspaces = yield* Workspaces
    const deviceCodes = yield* DeviceCodes

    return IdentityRpc.IdentityRpcs.of(
      containAll({
        Signup: ({ request, client }) => accounts.signup(request, client),
        Login: ({ email, password, client }) => accounts.login(email, password, client),
        CompleteMfa: ({ challengeToken, code, client }) => accounts.completeMfa(challengeToken, code, client),
        Refresh: ({ refreshToken, client }) => sessions.refresh(refreshToken, client),
        VerifyEmail: ({ token }) => accounts.verifyEmail(token),
        RequestPasswordReset: ({ email }) => accounts.requestPasswordReset(email),
        ResetPassword: ({ token, password }) => accounts.resetPassword(token, password),
        SsoStart: ({ provider }) => sso.start(provider),
        SsoCallback: ({ provider, code, state, client }) => sso.callback(provider, code, state, client),

        AccessTokenKeys: () => Effect.succeed(signer.keys),
        SessionIsLive: ({ userId, sessionId }) => sessions.isLive(userId, sessionId),
        AuthenticateToken: ({ secret }) => access.authenticateToken(secret),
        Authorize: ({ actor, action, workspaceId, projectId }) =>
          access.authorize(actor, action, { workspaceId, projectId }),
        Locate: ({ kind, id }) => access.locate(kind, id),
        RateLimitBudgets: () => Budgets.all(sql),
        RecordAudit: ({ record }) => audit.record(record),

        GetMe: ({ actor }) => Effect.flatMap(personOf(actor, "read an account"), accounts.me),
        UpdateMe: ({ actor, request }) =>
          Effect.flatMap(personOf(actor, "change an account"), (userId) => accounts.rename(userId, request.name)),
        Logout: ({ actor }) =>
          actor.kind !== "user"
            ? Effect.fail(tokenCannotSignOut)
            : actor.userId === null || actor.sessionId === null
              ? Effect.void
              : Effect.asVoid(sessions.revoke(actor.userId, actor.sessionId, "signed out")),
        ListSessions: ({ actor }) =>
          actor.userId === null ? Effect.succeed([]) : sessions.list(actor.userId, actor.sessionId),
        RevokeSession: ({ actor, sessionId }) =>
          Effect.gen(function* () {
            const revoked =
              actor.userId !== null && (yield* sessions.revoke(actor.userId, sessionId, "revoked by user"))
            if (!revoked) return yield* ApiErrors.NotFound.of("session", sessionId)
          }),
        ResendVerification: ({ actor }) =>
          Effect.flatMap(personOf(actor, "verify an email address"), accounts.resendVerification),
        EnrolMfa: ({ actor }) => Effect.flatMap(personOf(actor, "set up two-factor authentication"), mfa.enrol),
        ConfirmMfa: ({ actor, code }) =>
          Effect.flatMap(personOf(actor, "set up two-factor authentication"), (userId) => mfa.confirm(userId, code)),
        RegenerateRecoveryCodes: ({ actor, code }) =>
          Effect.flatMap(personOf(actor, "replace recovery codes"), (userId) =>
            mfa.regenerateRecoveryCodes(userId, code),
          ),
        DisableMfa: ({ actor, code }) =>
          Effect.flatMap(personOf(actor, "turn two-factor authentication off"), (userId) => mfa.disable(userId, code)),
        ListMemberships: ({ actor }) =>
          actor.userId === null ? Effect.succeed([]) : workspaces.memberships(actor.userId),
        AcceptInvitation: ({ actor, token }) =>
          actor.userId === null
            ? Effect.fail(Auth.personOnly("accept an invitation"))
            : workspaces.acceptInvitation(actor.userId, token),
        ExportAccount: ({ actor }) => Effect.andThen(personOf(actor, "export an account"), gdpr.exportAccount(actor)),
        DeleteAccount: ({ actor, password, projectCounts }) =>
          Effect.flatMap(personOf(actor, "delete an account"), (userId) =>
            Effect.map(gdpr.deleteAccount(userId, password, projectCounts), (pseudonym) => ({ pseudonym })),
          ),

        CreateWorkspace: ({ actor, request }) =>
          actor.userId === null
            ? Effect.fail(Auth.personOnly("create a workspace"))
            : workspaces.create(actor.userId, request),
        ListWorkspaces: ({ actor }) =>
          actor.userId !== null
            ? workspaces.listFor(actor.userId)
            : actor.scope === null
              ? Effect.succeed([])
              : workspaces.get(actor.scope.workspaceId).pipe(
                  Effect.map((workspace) => [workspace]),
                  Effect.orElseSucceed(() => []),
                ),
        GetWorkspace: ({ workspaceId }) => workspaces.get(workspaceId),
        UpdateWorkspace: ({ workspaceId, request }) => workspaces.update(workspaceId, request),
        DeleteWorkspace: ({ workspaceId }) => workspaces.remove(workspaceId),
        ListMembers: ({ workspaceId }) => workspaces.members(workspaceId),
        UpdateMember: ({ actor, workspaceId, userId, request }) =>
          workspaces.updateMember(workspaceId, userIdOf(actor), userId, request.role),
        RemoveMember: ({ actor, workspaceId, userId }) => workspaces.removeMember(workspaceId, userIdOf(actor), userId),
        Invite: ({ actor, workspaceId, request }) =>
          workspaces.invite(workspaceId, userIdOf(actor), request.email, request.role),
        ListInvitations: ({ workspaceId }) => workspaces.invitations(workspaceId),
        RevokeInvitation: ({ invitationId }) => workspaces.revokeInvitation(invitationId),
        ListProjectMembers: ({ projectId }) => workspaces.projectMembers(projectId),
        SetProjectMember: ({ workspaceId, projectId, userId, request }) =>
          workspaces.setProjectMember(workspaceId, projectId, userId, request.role),
        RemoveProjectMember: ({ projectId, userId }) => workspaces.removeProjectMember(projectId, userId),

        CreateToken: ({ actor, workspaceId, serviceAccountId, request }) =>
          access.createToken(actor, workspaceId, serviceAccountId, request),
        ListTokens: ({ workspaceId }) => access.listTokens(workspaceId),
        RevokeToken: ({ actor, tokenId }) => access.revokeToken(actor, tokenId),
        CreateServiceAccount: ({ actor, workspaceId, request }) =>
          access.createServiceAccount(actor, workspaceId, request.name),
        ListServiceAccounts: ({ workspaceId }) => access.listServiceAccounts(workspaceId),
        DeleteServiceAccount: ({ serviceAccountId }) => access.deleteServiceAccount(serviceAccountId),
        ListAuditLog: ({ workspaceId, query }) => audit.page(workspaceId, query),

        StartDeviceAuthorization: ({ clientName, client }) => deviceCodes.start(clientName, client),
        PollDeviceToken: ({ deviceCode, client }) => deviceCodes.poll(deviceCode, client),
        DescribeDevice: ({ actor, userCode }) =>
          Effect.flatMap(personOf(actor, "look up a device's sign-in code"), () => deviceCodes.describe(userCode)),
        DecideDevice: ({ actor, userCode, approve }) =>
          Effect.flatMap(personOf(actor, "approve or refuse a device's sign-in"), (userId) =>
            deviceCodes.decide(userId, userCode, approve),
          ),
      }),
    )
  }),
)

/** Everything the handlers need but the database, the field-crypto keyring and the config. */
export const services = Layer.mergeAll(Gdpr.layer, Sso.layer, DeviceCodes.layer).pipe(
  Layer.provideMerge(Accounts.layer),
  Layer.provideMerge(Layer.mergeAll(Mfa.layer, Sessions.layer, Workspaces.layer, Access.layer, AuditLog.layer)),
  Layer.provideMerge(Signer.layer),
)
