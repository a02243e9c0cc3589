import { FieldCrypto } from "@starform/crypto"
import { Sql } from "@starform/db"
import { type DesiredState, Ids } from "@starform/domain"
import { Context, Deferred, Effect, Layer, Schema, Scope } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as DesiredStateDocument from "./DesiredStateDocument.ts"
import * as Snapshot from "./Snapshot.ts"

/**
 * The desired-state feed: per cluster, the last published document and the callers waiting for a newer one.
 *
 * Whatever changes what a cluster should run (a deploy starts or ends, a service or environment goes) calls
 * `touch(clusterId)` once its transaction has committed. A rebuild then reads the cluster's environments, serving
 * releases and domains, builds the document, and publishes a new version if and only if the hash changed, waking
 * every waiting long-poll. Versions only grow, across restarts too (see `nextVersion`); after a restart the first
 * document gets a new version even when its content is unchanged. Touches that arrive during a rebuild fold into
 * one more rebuild.
 */

/** The rows a rebuild reads: environments placed on the cluster, their releases and routed hostnames. */
const PlacedEnvironment = Schema.Struct({
  id: Ids.EnvironmentId,
  projectId: Ids.ProjectId,
  workspaceId: Ids.WorkspaceId,
  name: Schema.String,
  isEphemeral: Schema.Boolean,
})
const Release = Schema.Struct({
  id: Ids.DeploymentId,
  environmentId: Ids.EnvironmentId,
  serviceId: Ids.ServiceId,
  number: Schema.Int,
  status: Schema.Literals(["deploying", "active"]),
  imageRef: Schema.String,
  imageDigest: Schema.NullOr(Schema.String),
  commitSha: Schema.NullOr(Schema.String),
})
type Release = typeof Release.Type
type PlacedEnvironment = typeof PlacedEnvironment.Type
const Routed = Schema.Struct({ serviceId: Ids.ServiceId, hostname: Schema.String })
const SealedRelease = Schema.Struct({
  id: Ids.DeploymentId,
  configSnapshot: Schema.Unknown,
  variablesCiphertext: Schema.NullOr(Schema.String),
})
const Reserved = Schema.Struct({ desiredStateVersion: Schema.Int })

/** Rows already decoded, by every column of the row. */
type Decoded<A> = Map<string, A>

/** Every column of a row of scalar columns, in order, as one string (null told apart from any text). */
const keyOf = (row: Readonly<Record<string, unknown>>) => {
  let key = ""
  for (const column in row) {
    const value = row[column]
    key += value === null ? "\u0000|" : `${String(value)}|`
  }
  return key
}

/**
 * `rows` decoded with `schema`, those decoded by an earlier rebuild (every column the same) taken from `seen`: a
 * rebuild reads every environment and release of the cluster, of which one or two changed, and decoding a thousand
 * rows each time would cost about what building the document does. `seen` comes back holding just these rows.
 */
const decodeUnseen = Effect.fnUntraced(function* <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  seen: Decoded<S["Type"]>,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
) {
  const keys = rows.map(keyOf)
  const unseen = rows.filter((_, index) => !seen.has(keys[index]!))
  const decoded = yield* Sql.decodeRows(schema)(unseen)
  let next = 0
  const remembered: Decoded<S["Type"]> = new Map()
  const values = keys.map((key) => {
    const value = seen.get(key) ?? decoded[next++]!
    remembered.set(key, value)
    return value
  })
  return { values, seen: remembered }
})

/** How many versions are reserved in the database at a time. */
const versionBlock = 100

export interface Published {
  readonly clusterId: Ids.ClusterId
  readonly version: number
  readonly hash: string
  /** The canonical JSON of the content: what the hash is of. */
  readonly bytes: string
  readonly content: DesiredState.Content
}

export type Answer =
  | { readonly _tag: "Changed"; readonly published: Published }
  | { readonly _tag: "NotModified"; readonly published: Published }

export class DesiredStateFeed extends Context.Service<
  DesiredStateFeed,
  {
    /** Something the cluster runs may have changed: rebuild, and publish if it did. */
    readonly touch: (clusterId: Ids.ClusterId) => Effect.Effect<void>
    /** The current document (built on first use). */
    readonly current: (clusterId: Ids.ClusterId) => Effect.Effect<Published>
    /**
     * The current document at once if its version is not `knownVersion`; otherwise the next one published
     * within `waitMs`, or `NotModified` when none is.
     */
    readonly await: (clusterId: Ids.ClusterId, knownVersion: number, waitMs: number) => Effect.Effect<Answer>
  }
>()("starform/projects/DesiredStateFeed") {
  static readonly layer = Layer.effect(
    DesiredStateFeed,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const crypto = yield* FieldCrypto
      const scope = yield* Scope.Scope

      interface Slot {
        published: Published | undefined
        /** Completed with the next publication. */
        next: Deferred.Deferred<Published>
        running: boolean
        dirty: boolean
        /** Completed when the running rebuilds are through. */
        settled: Deferred.Deferred<void>
        /** The last version handed out, and the highest reserved in the database by this process. */
        lastVersion: number
        ceiling: number
        /** A published hash not yet written to `clusters`. */
        unrecorded: string | undefined
        readonly builder: ReturnType<typeof DesiredStateDocument.make>
        /** Opened snapshots by deployment id: a release never changes, so each is read and decrypted once. */
        opened: Map<string, OpenedRelease>
        /** Rows decoded, by their columns: each distinct row is decoded once, not at every rebuild. */
        decoded: { environments: Decoded<PlacedEnvironment>; releases: Decoded<Release> }
      }

      interface OpenedRelease {
        readonly snapshot: Snapshot.Snapshot
        readonly variables: Record<string, string>
      }

      const slots = new Map<string, Slot>()
      const slotOf = (clusterId: string): Slot => {
        let slot = slots.get(clusterId)
        if (slot === undefined) {
          slot = {
            published: undefined,
            next: Deferred.makeUnsafe<Published>(),
            running: false,
            dirty: false,
            settled: Deferred.makeUnsafe<void>(),
            lastVersion: 0,
            ceiling: 0,
            unrecorded: undefined,
            builder: DesiredStateDocument.make(),
            opened: new Map(),
            decoded: { environments: new Map(), releases: new Map() },
          }
          slots.set(clusterId, slot)
        }
        return slot
      }

      const open = Effect.fn("DesiredStateFeed.open")(function* (
        configSnapshot: unknown,
        variablesCiphertext: string | null,
      ) {
        const snapshot = Snapshot.decode(configSnapshot)
        return { snapshot, variables: yield* Snapshot.openVariables(crypto, snapshot, variablesCiphertext) }
      })

      /** What runs on the cluster, as the builder takes it. */
      const load = Effect.fn("DesiredStateFeed.load")(function* (clusterId: Ids.ClusterId, slot: Slot) {
        // three reads at once: the time until waiting callers see a change is mostly round trips
        const [environments, releases, domains] = yield* Effect.all(
          [
            sql`
          SELECT e.id, e.project_id, p.workspace_id, e.name, e.is_ephemeral
          FROM environments e JOIN projects p ON p.id = e.project_id
          WHERE e.cluster_id = ${clusterId}`.pipe(
              Effect.flatMap((rows) => decodeUnseen(PlacedEnvironment, slot.decoded.environments, rows)),
              Effect.map(({ values, seen }) => {
                slot.decoded.environments = seen
                return values
              }),
            ),
            sql`
          SELECT d.id, d.environment_id, d.service_id, d.number, d.status, d.image_ref, d.image_digest, d.commit_sha
          FROM deployments d JOIN environments e ON e.id = d.environment_id
          WHERE e.cluster_id = ${clusterId} AND d.status IN ('deploying', 'active') AND d.image_ref IS NOT NULL`.pipe(
              Effect.flatMap((rows) => decodeUnseen(Release, slot.decoded.releases, rows)),
              Effect.map(({ values, seen }) => {
                slot.decoded.releases = seen
                return values
              }),
            ),
            sql`
          SELECT d.service_id, d.hostname FROM domains d JOIN environments e ON e.id = d.environment_id
          WHERE e.cluster_id = ${clusterId} AND (d.kind = 'generated' OR d.status IN ('verified', 'active'))`.pipe(
              Effect.flatMap(Sql.decodeRows(Routed)),
            ),
          ],
          { concurrency: 3 },
        )
        const missing = releases.filter((release) => !slot.opened.has(release.id)).map((release) => release.id)
        const opened = new Map<string, OpenedRelease>()
        for (const release of releases) {
          const known = slot.opened.get(release.id)
          if (known !== undefined) opened.set(release.id, known)
        }
        if (missing.length > 0) {
          const snapshots = yield* sql`
            SELECT id, config_snapshot, variables_ciphertext FROM deployments WHERE ${sql.in("id", missing)}`.pipe(
            Effect.flatMap(Sql.decodeRows(SealedRelease)),
          )
          for (const row of snapshots) opened.set(row.id, yield* open(row.configSnapshot, row.variablesCiphertext))
        }
        slot.opened = opened

        const hostnames = new Map<string, Array<string>>()
        for (const row of domains) hostnames.set(row.serviceId, [...(hostnames.get(row.serviceId) ?? []), row.hostname])
        const byService = new Map<
          Ids.ServiceId,
          { deploying?: (typeof releases)[number]; active?: (typeof releases)[number] }
        >()
        for (const release of releases) {
          const entry = byService.get(release.serviceId) ?? {}
          entry[release.status === "deploying" ? "deploying" : "active"] = release
          byService.set(release.serviceId, entry)
        }
        const servicesOf = new Map<string, Array<DesiredStateDocument.ServiceInput>>()
        for (const [serviceId, entry] of byService) {
          const serving = entry.deploying ?? entry.active!
          const release = opened.get(serving.id)
          if (release === undefined) continue
          const previous = entry.deploying !== undefined ? entry.active : undefined
          const input: DesiredStateDocument.ServiceInput = {
            serviceId,
            release: releaseInput(serving),
            snapshot: release.snapshot,
            variables: release.variables,
            previous: previous === undefined ? null : releaseInput(previous),
            domains: hostnames.get(serviceId) ?? [],
          }
          servicesOf.set(serving.environmentId, [...(servicesOf.get(serving.environmentId) ?? []), input])
        }
        return environments.map(
          (environment): DesiredStateDocument.EnvironmentInput => ({
            workspaceId: environment.workspaceId,
            projectId: environment.projectId,
            environmentId: environment.id,
            name: environment.name,
            isEphemeral: environment.isEphemeral,
            clusterId,
            services: servicesOf.get(environment.id) ?? [],
          }),
        )
      })

      const releaseInput = (row: {
        readonly id: Ids.DeploymentId
        readonly number: number
        readonly imageRef: string
        readonly imageDigest: string | null
        readonly commitSha: string | null
      }): DesiredStateDocument.ReleaseInput => ({
        deploymentId: row.id,
        number: row.number,
        imageRef: row.imageRef,
        imageDigest: row.imageDigest,
        commitSha: row.commitSha,
      })

      /**
       * The next version. Versions are reserved in the database a block at a time (`clusters.desired_state_version`
       * holds the highest reserved), so publishing costs no write and a restarted service still continues above
       * every version it ever handed out. None when the cluster no longer exists.
       */
      const nextVersion = Effect.fn("DesiredStateFeed.nextVersion")(function* (
        clusterId: string,
        slot: Slot,
        hash: string,
      ) {
        if (slot.lastVersion < slot.ceiling) return ++slot.lastVersion
        const reserved = yield* sql`
          UPDATE clusters SET desired_state_version = desired_state_version + ${versionBlock},
            desired_state_hash = coalesce(desired_state_hash, ${hash}),
            desired_state_published_at = coalesce(desired_state_published_at, now())
          WHERE id = ${clusterId}
          RETURNING desired_state_version`.pipe(Effect.flatMap(Sql.decodeRows(Reserved)))
        const ceiling = reserved[0]?.desiredStateVersion
        if (ceiling === undefined) return undefined
        slot.ceiling = ceiling
        slot.lastVersion = ceiling - versionBlock + 1
        return slot.lastVersion
      })

      /** Records the hash published last, once the waiting callers have it: off the path to them. */
      const record = (clusterId: string, slot: Slot) =>
        Effect.suspend(() => {
          const hash = slot.unrecorded
          if (hash === undefined) return Effect.void
          slot.unrecorded = undefined
          return sql`
            UPDATE clusters SET desired_state_hash = ${hash}, desired_state_published_at = now() WHERE id = ${clusterId}`.pipe(
            Effect.asVoid,
          )
        })

      const rebuild = Effect.fn("DesiredStateFeed.rebuild")(function* (clusterId: Ids.ClusterId, slot: Slot) {
        const inputs = yield* load(clusterId, slot)
        const built = slot.builder.build(clusterId, inputs)
        if (slot.published !== undefined && slot.published.hash === built.hash) return
        const version = yield* nextVersion(clusterId, slot, built.hash)
        if (version === undefined) return
        const published: Published = {
          clusterId,
          version,
          hash: built.hash,
          bytes: built.bytes,
          content: built.content,
        }
        slot.published = published
        slot.unrecorded = built.hash
        const waiting = slot.next
        slot.next = Deferred.makeUnsafe<Published>()
        Deferred.doneUnsafe(waiting, Effect.succeed(published))
      })

      const loop = (clusterId: Ids.ClusterId, slot: Slot): Effect.Effect<void> =>
        Effect.gen(function* () {
          // A touch while the hash is being recorded finds the loop still running and starts none: go round again.
          do {
            while (slot.dirty) {
              slot.dirty = false
              yield* rebuild(clusterId, slot).pipe(
                Effect.catchCause((cause) =>
                  (Sql.isUnreachable(cause)
                    ? Effect.logWarning("desired state rebuild: PostgreSQL is out of reach; retrying")
                    : Effect.logError("desired state rebuild failed; retrying", cause)
                  ).pipe(
                    Effect.andThen(Effect.sleep("1 second")),
                    Effect.andThen(
                      Effect.sync(() => {
                        slot.dirty = true
                      }),
                    ),
                  ),
                ),
              )
            }
            yield* record(clusterId, slot).pipe(
              Effect.catchCause((cause) =>
                Sql.isUnreachable(cause)
                  ? Effect.logWarning("desired state hash not recorded: PostgreSQL is out of reach")
                  : Effect.logWarning("desired state hash not recorded", cause),
              ),
            )
          } while (slot.dirty)
          slot.running = false
          Deferred.doneUnsafe(slot.settled, Effect.void)
        })

      const touch = (clusterId: Ids.ClusterId) =>
        Effect.suspend(() => {
          const slot = slotOf(clusterId)
          slot.dirty = true
          if (slot.running) return Effect.void
          slot.running = true
          slot.settled = Deferred.makeUnsafe<void>()
          return Effect.asVoid(Effect.forkIn(loop(clusterId, slot), scope))
        })

      /** The published document, once any rebuild already asked for has run. */
      const current = (clusterId: Ids.ClusterId): Effect.Effect<Published> =>
        Effect.suspend(() => {
          const slot = slotOf(clusterId)
          if (slot.published !== undefined && !slot.running) return Effect.succeed(slot.published)
          const settled =
            slot.published === undefined
              ? touch(clusterId).pipe(Effect.andThen(Effect.suspend(() => Deferred.await(slot.settled))))
              : Deferred.await(slot.settled)
          return settled.pipe(Effect.andThen(current(clusterId)))
        })

      return DesiredStateFeed.of({
        touch,
        current,
        await: (clusterId, knownVersion, waitMs) =>
          current(clusterId).pipe(
            Effect.flatMap(() =>
              Effect.suspend(() => {
                // read together, with no yield between: a version published meanwhile is not missed
                const slot = slotOf(clusterId)
                const published = slot.published!
                if (published.version !== knownVersion) return Effect.succeed<Answer>({ _tag: "Changed", published })
                return Deferred.await(slot.next).pipe(
                  Effect.timeoutOption(waitMs),
                  Effect.map(
                    (newer): Answer =>
                      newer._tag === "Some"
                        ? { _tag: "Changed", published: newer.value }
                        : { _tag: "NotModified", published },
                  ),
                )
              }),
            ),
          ),
      })
    }),
  )
}
