import { Auth, PublicApi } from "@starform/domain"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as AuditTrail from "../auth/AuditTrail.ts"
import type { Budgets } from "../ratelimit/Budgets.ts"
import type { RateLimiter } from "../ratelimit/RateLimiter.ts"
import { call, IdentityClient } from "./IdentityClient.ts"
import { clientInfo, ipKey, limit } from "./Requests.ts"

/**
 * Device-code sign-in (RFC 8628): the public code and token endpoints, and approval by a signed-in person. Asking
 * for codes draws on the `login` budget per address; polling is paced by the code's own interval (`slow_down`) and
 * draws on the `api` budget per address; approving draws on `login` per person, so user codes cannot be guessed at
 * speed.
 */
const DeviceAuthHandlers = HttpApiBuilder.group(PublicApi.Api, "device", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const limits = yield* Effect.context<Budgets | RateLimiter>()

    return handlers
      .handle("deviceCode", ({ payload }) =>
        Effect.gen(function* () {
          yield* Effect.provideContext(limit("login", [`device:${yield* ipKey}`]), limits)
          return yield* call(
            identity.StartDeviceAuthorization({ clientName: payload.client_name ?? null, client: yield* clientInfo }),
          )
        }),
      )
      .handle("deviceToken", ({ payload }) =>
        Effect.gen(function* () {
          // Guessing device codes costs a budget per address too; a device polling at its interval uses 12 a minute.
          yield* Effect.provideContext(limit("api", [`device-token:${yield* ipKey}`]), limits)
          return yield* call(identity.PollDeviceToken({ deviceCode: payload.device_code, client: yield* clientInfo }))
        }),
      )
  }),
)

const DeviceApprovalHandlers = HttpApiBuilder.group(PublicApi.Api, "deviceApproval", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* IdentityClient
    const limits = yield* Effect.context<Budgets | RateLimiter>()
    const decide = (userCode: string, approve: boolean) =>
      Effect.gen(function* () {
        const actor = yield* Auth.CurrentActor
        yield* Effect.provideContext(limit("login", [`device-approve:${actor.id}`]), limits)
        const decision = yield* call(identity.DecideDevice({ actor, userCode, approve }))
        yield* AuditTrail.note({
          action: approve ? "session.device_approve" : "session.device_deny",
          targetType: "user",
          targetId: actor.userId,
        })
        return decision
      })

    return handlers
      .handle("describeDevice", ({ payload }) =>
        Effect.gen(function* () {
          const actor = yield* Auth.CurrentActor
          yield* Effect.provideContext(limit("login", [`device-approve:${actor.id}`]), limits)
          return yield* call(identity.DescribeDevice({ actor, userCode: payload.user_code }))
        }),
      )
      .handle("approveDevice", ({ payload }) => decide(payload.user_code, true))
      .handle("denyDevice", ({ payload }) => decide(payload.user_code, false))
  }),
)

export const DeviceHandlers = Layer.mergeAll(DeviceAuthHandlers, DeviceApprovalHandlers)
