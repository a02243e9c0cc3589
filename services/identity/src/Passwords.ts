import { hash, verify } from "@node-rs/argon2"
import { Context, Effect, Layer } from "effect"

/** Password hashing: argon2id with the OWASP-recommended cost (19 MiB, 2 passes). The only module using argon2. */
export class Passwords extends Context.Service<
  Passwords,
  {
    readonly hash: (password: string) => Effect.Effect<string>
    /** False for a wrong password and for a missing hash (the work is done either way, so timing tells nothing). */
    readonly verify: (hashed: string | null, password: string) => Effect.Effect<boolean>
  }
>()("starform/identity/Passwords") {
  static readonly layer = Layer.effect(
    Passwords,
    Effect.gen(function* () {
      // algorithm 2 is Argon2id (the package exports it as a const enum, which type stripping cannot read)
      const options = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }
      const hashPassword = (password: string) => Effect.promise(() => hash(password, options))
      // A hash of nothing anyone knows, verified against when the account has no password or does not exist.
      const decoy = yield* hashPassword(crypto.randomUUID())
      return Passwords.of({
        hash: Effect.fn("Passwords.hash")(function* (password: string) {
          return yield* hashPassword(password)
        }),
        verify: Effect.fn("Passwords.verify")(function* (hashed: string | null, password: string) {
          const ok = yield* Effect.promise(() => verify(hashed ?? decoy, password).catch(() => false))
          return hashed !== null && ok
        }),
      })
    }),
  )
}
