import { IdentityRpc } from "@starform/domain"
import { Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importPKCS8, importSPKI, type JWK, SignJWT } from "jose"
import { IdentityConfig } from "./IdentityConfig.ts"

/**
 * Signs access tokens: EdDSA (Ed25519) JWTs whose `sub` is the user and `sid` the session. Only the public half
 * leaves this module (`keys`), so the gateway verifies tokens without ever being able to mint one.
 */
export class Signer extends Context.Service<
  Signer,
  {
    readonly sign: (claims: {
      readonly userId: string
      readonly sessionId: string
    }) => Effect.Effect<{ readonly token: string; readonly expiresIn: number }>
    readonly keys: IdentityRpc.AccessTokenKeys
  }
>()("starform/identity/Signer") {
  static readonly layer = Layer.effect(
    Signer,
    Effect.gen(function* () {
      const config = yield* IdentityConfig
      const { privateKey, publicKey } = yield* Effect.promise(async () => {
        if (Option.isSome(config.signingKeyPem)) {
          const pem = Redacted.value(config.signingKeyPem.value)
          const privateKey = await importPKCS8(pem, "EdDSA", { extractable: true })
          const { createPublicKey } = await import("node:crypto")
          const spki = createPublicKey(pem).export({ type: "spki", format: "pem" }).toString()
          return { privateKey, publicKey: await importSPKI(spki, "EdDSA", { extractable: true }) }
        }
        return generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true })
      })
      const jwk: JWK = yield* Effect.promise(() => exportJWK(publicKey))
      const kid = yield* Effect.promise(() => calculateJwkThumbprint(jwk))
      const publicJwk: Record<string, string> = {}
      for (const [key, value] of Object.entries({ ...jwk, kid, alg: "EdDSA", use: "sig" })) {
        if (typeof value === "string") publicJwk[key] = value
      }
      const lifetime = Math.round(Duration.toSeconds(config.accessTokenLifetime))
      return Signer.of({
        keys: new IdentityRpc.AccessTokenKeys({
          issuer: config.issuer,
          audience: config.audience,
          keys: [publicJwk],
        }),
        sign: Effect.fn("Signer.sign")(function* ({ userId, sessionId }) {
          const token = yield* Effect.promise(() =>
            new SignJWT({ sid: sessionId })
              .setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" })
              .setSubject(userId)
              .setIssuer(config.issuer)
              .setAudience(config.audience)
              .setIssuedAt()
              .setExpirationTime(`${lifetime}s`)
              .sign(privateKey),
          )
          return { token, expiresIn: lifetime }
        }),
      })
    }),
  )
}
