import { Context, Effect, Layer } from "effect"
import { call, IdentityClient } from "../identity/IdentityClient.ts"
import type { Budget } from "./TokenBucket.ts"

/** The budgets the gateway enforces, by name. */
export type BudgetName = "api" | "login" | "deploy"

/** Used until identity has answered (and if it never does): the same values as the migration's defaults. */
export const defaults: { readonly [K in BudgetName]: Budget } = {
  api: { name: "api", capacity: 100, refillPerMinute: 100 },
  login: { name: "login", capacity: 10, refillPerMinute: 10 },
  deploy: { name: "deploy", capacity: 10, refillPerMinute: 10 },
}

const refreshMs = 60_000

/** The rate-limit policy (identity's `rate_limit_budgets`), re-read every minute. */
export class Budgets extends Context.Service<Budgets, { readonly get: (name: BudgetName) => Effect.Effect<Budget> }>()(
  "starform/gateway/Budgets",
) {
  static readonly layer = Layer.effect(
    Budgets,
    Effect.gen(function* () {
      const identity = yield* IdentityClient
      let current: { readonly [name: string]: Budget } = defaults
      let loadedAt = Number.NEGATIVE_INFINITY
      const reload = call(identity.RateLimitBudgets()).pipe(
        Effect.map((budgets) => {
          const next: Record<string, Budget> = { ...defaults }
          for (const budget of budgets) next[budget.name] = budget
          current = next
          return next
        }),
        Effect.catchCause(() => Effect.logWarning("rate limiting: identity did not answer, using the default budgets")),
        Effect.ensuring(Effect.sync(() => (loadedAt = Date.now()))),
      )
      return Budgets.of({
        get: (name) =>
          Effect.suspend(() =>
            Date.now() - loadedAt < refreshMs
              ? Effect.succeed(current[name] ?? defaults[name])
              : Effect.as(reload, undefined).pipe(Effect.map(() => current[name] ?? defaults[name])),
          ),
      })
    }),
  )

  /** Fixed budgets, for tests. */
  static readonly layerFixed = (budgets: Partial<{ readonly [K in BudgetName]: Budget }>) =>
    Layer.succeed(Budgets, Budgets.of({ get: (name) => Effect.succeed(budgets[name] ?? defaults[name]) }))
}
