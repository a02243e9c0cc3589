import { expect, layer } from "@effect/vitest"
import { Mail } from "@starform/identity"
import { FakeSmtp, Mailbox, TestDatabase } from "@starform/testkit"
import { Duration, Effect, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Harness from "./identityHarness.ts"

/**
 * Deploying needs a verified email address (as on Railway, against trial abuse): until then a deploy, by the person
 * or by a token they made, answers 403 saying how to verify and how to have the link sent again; after following the
 * emailed link, the same requests deploy.
 */

/** The plain-text part of a message as sent (quoted-printable undone). */
const textOf = (raw: string) =>
  raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))

layer(TestDatabase.layer, { timeout: 60_000, excludeTestServices: true })(
  "deploying with an unverified address",
  (it) => {
    it.effect("the verification email arrives once through SMTP, and its link verifies the address", () =>
      Effect.gen(function* () {
        const smtp = yield* FakeSmtp.start()
        const { baseUrl } = yield* Harness.start({
          mail: {
            ...Mail.defaults,
            delivery: { _tag: "Smtp", url: Redacted.make(smtp.url) },
            pollInterval: Duration.millis(20),
          },
        })
        const api = Harness.client(baseUrl)
        const person = yield* Harness.signupUnverified(api)
        const mailTo = () => smtp.accepted.filter((message) => message.raw.includes(`To: ${person.email}`))
        for (let waited = 0; mailTo().length === 0 && waited < 10_000; waited += 25) {
          yield* Effect.sleep(Duration.millis(25))
        }
        const [message, ...more] = mailTo()
        expect(more).toEqual([])
        expect(message!.raw).toMatch(/^Subject: Confirm your email address for Starform/m)
        const token = /\/verify-email\?token=([^\s&]+)/.exec(textOf(message!.raw))?.[1]
        expect(token).toBeDefined()

        expect((yield* api.post("/v1/auth/verify-email", { token: decodeURIComponent(token!) })).status).toBe(204)
        expect((yield* api.get("/v1/me", person.token)).body.emailVerifiedAt).not.toBeNull()
        // nothing is sent twice, however long the sender keeps running
        yield* Effect.sleep(Duration.millis(200))
        expect(mailTo()).toHaveLength(1)
      }).pipe(Effect.scoped),
    )

    it.effect(
      "is refused with how to verify and resend, writes nothing, and works once the emailed link is followed",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const { baseUrl } = yield* Harness.start()
          const api = Harness.client(baseUrl)
          const owner = yield* Harness.signupUnverified(api)
          const { service, tokenSecret } = yield* Harness.deployableWorker(api, owner)
          const deploy = (bearer: string) => api.post(`/v1/services/${service.id}/deployments`, {}, bearer)
          const deployments = () =>
            Effect.map(
              sql<{ n: number }>`SELECT count(*)::int AS n FROM deployments WHERE service_id = ${service.id}`,
              (rows) => rows[0]!.n,
            )

          const byPerson = yield* deploy(owner.token)
          expect(byPerson.status).toBe(403)
          expect(byPerson.body.code).toBe("forbidden")
          expect(byPerson.body.message).toMatch(/needs a verified email address/)
          expect(byPerson.body.message).toMatch(/link in the verification email/)
          expect(byPerson.body.message).toContain("POST /v1/me/email-verification")
          const byToken = yield* deploy(tokenSecret)
          expect(byToken.status).toBe(403)
          expect(byToken.body.message).toMatch(/this token needs its creator's email address to be verified/)
          expect(yield* deployments()).toBe(0)

          // the first link is lost; the person asks for another, which replaces it
          const first = yield* Mailbox.lastLink(owner.email, "verify_email")
          expect((yield* api.post("/v1/me/email-verification", undefined, owner.token)).status).toBe(202)
          const second = yield* Mailbox.lastLink(owner.email, "verify_email")
          expect(second.token).not.toBe(first.token)
          expect(second.link).toMatch(/^http:\/\/127\.0\.0\.1:8080\/verify-email\?token=/)
          expect((yield* api.post("/v1/auth/verify-email", { token: first.token })).status).toBe(400)
          expect((yield* api.post("/v1/auth/verify-email", { token: second.token })).status).toBe(204)
          expect((yield* api.get("/v1/me", owner.token)).body.emailVerifiedAt).not.toBeNull()

          // at once, with no stale answer remembered by the gateway
          expect((yield* deploy(owner.token)).status).toBe(201)
          expect((yield* deploy(tokenSecret)).status).toBe(201)
          expect(yield* deployments()).toBe(2)
        }).pipe(Effect.scoped),
    )
  },
)
