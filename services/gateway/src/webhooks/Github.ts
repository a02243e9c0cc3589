import { Webhooks } from "@octokit/webhooks"
import { ByteSize, Context, Effect, Layer, Option } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { BuildsClient, call, layerFromUrl } from "../builds/BuildsClient.ts"

/**
 * `POST /webhooks/github`: GitHub's deliveries. The signature (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body
 * with the app's webhook secret) is checked with `@octokit/webhooks` before anything else; a missing, malformed or
 * wrong one (forged, altered, or made with a secret that has since been rotated) is refused with 401 and nothing is
 * recorded. A signed delivery goes to the builds service, which processes each delivery id once.
 */

/** The app's webhook secret: `GITHUB_WEBHOOK_SECRET`; unset, GitHub is not configured and deliveries get 503. */
export const GithubWebhookSecret = Context.Reference<Option.Option<string>>("starform/gateway/GithubWebhookSecret", {
  defaultValue: () => Option.fromNullishOr(process.env.GITHUB_WEBHOOK_SECRET || undefined),
})

/** GitHub caps a delivery at 25 MB. */
const maxBodyBytes = 25 * 1024 * 1024

const error = (status: number, code: string, message: string, extra: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe({ code, message, ...extra }, { status })

const receive = (builds: BuildsClient["Service"], secret: Option.Option<string>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (Option.isNone(secret))
      return error(
        503,
        "not_configured",
        "GitHub is not configured on this Starform: set GITHUB_WEBHOOK_SECRET (and the GitHub App's id and key).",
      )
    const signature = request.headers["x-hub-signature-256"]
    if (signature === undefined || signature === "")
      return error(401, "unauthenticated", "The delivery has no X-Hub-Signature-256 header: it is not from GitHub.")
    const length = Number(request.headers["content-length"] ?? 0)
    if (length > maxBodyBytes) return error(413, "payload_too_large", "A delivery is at most 25 MB.")
    // Without Content-Length (chunked), the cap holds while reading.
    const read = yield* Effect.result(
      request.text.pipe(Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes))),
    )
    if (read._tag === "Failure")
      return read.failure.reason._tag === "RequestParseError" && read.failure.reason.reason === "BodyTooLarge"
        ? error(413, "payload_too_large", "A delivery is at most 25 MB.")
        : error(400, "validation_failed", "The delivery's body could not be read.")
    const body = read.success
    const webhooks = new Webhooks({ secret: secret.value })
    const valid = yield* Effect.promise(() => webhooks.verify(body, signature).catch(() => false))
    if (!valid)
      return error(
        401,
        "unauthenticated",
        "The delivery's signature does not match its body: it was altered, forged, or signed with another secret.",
      )
    const deliveryId = request.headers["x-github-delivery"]
    const event = request.headers["x-github-event"]
    if (deliveryId === undefined || deliveryId === "")
      return error(400, "validation_failed", "X-GitHub-Delivery is missing.", {
        field: "X-GitHub-Delivery",
        rule: "required",
      })
    if (event === undefined || event === "")
      return error(400, "validation_failed", "X-GitHub-Event is missing.", {
        field: "X-GitHub-Event",
        rule: "required",
      })
    return yield* call(builds.ReceiveGithubDelivery({ deliveryId, event, body })).pipe(
      Effect.map((outcome) => HttpServerResponse.jsonUnsafe(outcome, { status: 200 })),
      Effect.catchTags({
        ValidationFailed: (failure) => Effect.succeed(error(400, "validation_failed", failure.message)),
        Internal: (failure) => Effect.succeed(error(500, "internal", failure.message)),
      }),
    )
  })

/** The route, with its client of the builds service (at `BuildsUrl`) and the secret read once. */
export const layer = HttpRouter.use((router) =>
  Effect.gen(function* () {
    const builds = yield* BuildsClient
    const secret = yield* GithubWebhookSecret
    yield* router.add("POST", "/webhooks/github", receive(builds, secret))
  }),
).pipe(Layer.provide(layerFromUrl))
