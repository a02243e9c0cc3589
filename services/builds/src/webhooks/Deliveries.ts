import { Sql } from "@starform/db"
import { Ids, Integrations } from "@starform/domain"
import { Context, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * The log of GitHub webhook deliveries (`webhook_deliveries`): a delivery id is processed once. Claiming is one
 * INSERT … ON CONFLICT, atomic under concurrent copies: exactly one caller gets the claim. A delivery whose
 * processing failed (or whose processor died, `staleAfter` ago) can be claimed again by its redelivery.
 */

/** A claim older than this with no outcome is taken to be a processor that died. */
export const staleAfterSeconds = 300

const Claimed = Schema.Struct({ id: Integrations.WebhookDelivery.fields.id })
const Outcome = Schema.Struct({
  detail: Integrations.WebhookDelivery.fields.detail,
  status: Integrations.WebhookDelivery.fields.status,
})

export class Deliveries extends Context.Service<
  Deliveries,
  {
    /** True when this caller now owns the delivery; false for a duplicate (processed, or in progress elsewhere). */
    readonly claim: (deliveryId: string, event: string) => Effect.Effect<boolean>
    readonly finish: (
      deliveryId: string,
      outcome: { readonly status: "processed" | "ignored" | "failed"; readonly detail: string },
    ) => Effect.Effect<void>
    readonly detail: (deliveryId: string) => Effect.Effect<string | null>
  }
>()("starform/builds/Deliveries") {
  static readonly layer = Layer.effect(
    Deliveries,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return Deliveries.of(
        Sql.edge({
          claim: (deliveryId: string, event: string) =>
            sql`
            INSERT INTO webhook_deliveries (id, provider, delivery_id, event, status)
            VALUES (${Ids.makeId(Ids.prefixes.webhookDelivery)}, 'github', ${deliveryId}, ${event}, 'received')
            ON CONFLICT (provider, delivery_id) DO UPDATE
              SET status = 'received', error = NULL, detail = NULL, received_at = now()
              WHERE webhook_deliveries.status = 'failed'
                OR (webhook_deliveries.status = 'received'
                  AND webhook_deliveries.received_at < now() - make_interval(secs => ${staleAfterSeconds}))
            RETURNING id`.pipe(
              Effect.flatMap(Sql.decodeRows(Claimed)),
              Effect.map((rows) => rows.length === 1),
            ),

          finish: (
            deliveryId: string,
            outcome: { readonly status: "processed" | "ignored" | "failed"; readonly detail: string },
          ) =>
            sql`
            UPDATE webhook_deliveries SET status = ${outcome.status}, processed_at = now(),
              detail = ${outcome.detail.slice(0, 2000)},
              error = ${outcome.status === "failed" ? outcome.detail.slice(0, 2000) : null}
            WHERE provider = 'github' AND delivery_id = ${deliveryId}`.pipe(Effect.asVoid),

          detail: (deliveryId: string) =>
            sql`
            SELECT detail, status FROM webhook_deliveries WHERE provider = 'github' AND delivery_id = ${deliveryId}`.pipe(
              Effect.flatMap(Sql.decodeRows(Outcome)),
              Effect.map((rows) => rows[0]?.detail ?? (rows[0] === undefined ? null : `still being processed`)),
            ),
        }),
      )
    }),
  )
}
