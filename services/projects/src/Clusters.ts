import { createHash, randomBytes } from "node:crypto"
import { Catalog, FieldCrypto } from "@starform/crypto"
import { Sql } from "@starform/db"
import { ClustersApi, Ids, ProjectsRpc } from "@starform/domain"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { type Missing, missing, type Refused, refused } from "./Errors.ts"

/**
 * The registry of regions and clusters, the tokens Shuttle authenticates with, and placement: which cluster an
 * environment runs on. A token is shown once when made and kept only as its SHA-256.
 */

/** `sfc_` and 43 characters of base64url: 256 random bits. */
export const newToken = () => `sfc_${randomBytes(32).toString("base64url")}`
export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex")

/** Rows selected in the shape of their views: a cluster with its environments counted, a region with `available`. */
const decodeClusters = Sql.decodeRows(ProjectsRpc.ClusterView)
const decodeRegions = Sql.decodeRows(ClustersApi.RegionView)
const ClusterIdRow = Schema.Struct({ id: Ids.ClusterId })
const firstClusterId = (rows: ReadonlyArray<unknown>) =>
  Effect.map(Sql.decodeRows(ClusterIdRow)(rows), (found) => Option.fromNullishOr(found[0]?.id))

export class Clusters extends Context.Service<
  Clusters,
  {
    readonly listRegions: Effect.Effect<ReadonlyArray<ClustersApi.RegionView>>
    readonly createRegion: (slug: string, name: string) => Effect.Effect<ClustersApi.RegionView, Refused>
    readonly register: (input: {
      readonly regionId: string
      readonly name: string
      readonly apiUrl: string
      readonly kubeconfig: string
      readonly maxPods?: number | undefined
    }) => Effect.Effect<{ readonly cluster: ProjectsRpc.ClusterView; readonly token: string }, Refused | Missing>
    readonly list: Effect.Effect<ReadonlyArray<ProjectsRpc.ClusterView>>
    readonly get: (clusterId: string) => Effect.Effect<ProjectsRpc.ClusterView, Missing>
    readonly rotateToken: (clusterId: string) => Effect.Effect<string, Missing>
    readonly setStatus: (
      clusterId: string,
      status: ProjectsRpc.ClusterView["status"],
    ) => Effect.Effect<ProjectsRpc.ClusterView, Missing | Refused>
    /** The cluster a token belongs to, if it is current and the cluster is in service. */
    readonly authenticate: (token: string) => Effect.Effect<Option.Option<Ids.ClusterId>>
    /**
     * A cluster for a new environment: an active one in the preferred region if there is one, else any active
     * one, the least loaded first. None when no cluster is active.
     */
    readonly place: (preferredRegionId: string | null) => Effect.Effect<Option.Option<Ids.ClusterId>>
  }
>()("starform/projects/Clusters") {
  static readonly layer = Layer.effect(
    Clusters,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const crypto = yield* FieldCrypto

      const selectClusters = (clusterId?: string) =>
        sql`
          SELECT c.id, c.region_id, c.name, c.api_url, c.status, c.max_pods, c.desired_state_version,
            (SELECT count(*)::int FROM environments e WHERE e.cluster_id = c.id) AS environments
          FROM clusters c WHERE ${sql.and(clusterId === undefined ? [] : [sql`c.id = ${clusterId}`])} ORDER BY c.name`.pipe(
          Effect.flatMap(decodeClusters),
        )

      const get = (clusterId: string) =>
        selectClusters(clusterId).pipe(
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.fail(missing("cluster", clusterId)) : Effect.succeed(rows[0]),
          ),
        )

      const methods = {
        listRegions: sql`
          SELECT r.id, r.slug, r.name, r.provider, r.status,
            EXISTS (SELECT 1 FROM clusters c WHERE c.region_id = r.id AND c.status = 'active') AS available
          FROM regions r ORDER BY r.slug`.pipe(Effect.flatMap(decodeRegions), Sql.orDefect),

        createRegion: (slug: string, name: string) =>
          sql`
            INSERT INTO regions ${sql.insert({ id: Ids.newId("region"), slug, name })}
            RETURNING id, slug, name, provider, status, false AS available`.pipe(
            Effect.flatMap((rows) => Sql.decodeRow(ClustersApi.RegionView)(rows[0])),
            Sql.refusedBy({ regions_slug_unique: () => refused(`A region ${slug} already exists.`, "slug") }),
          ),

        register: Effect.fn("Clusters.register")(function* (input: Parameters<Clusters["Service"]["register"]>[0]) {
          const token = newToken()
          const kubeconfig = yield* crypto.encrypt(input.kubeconfig, Catalog.clusterKubeconfig)
          const id = Ids.newId("cluster")
          yield* sql`INSERT INTO clusters ${sql.insert({
            id,
            regionId: input.regionId,
            name: input.name,
            apiUrl: input.apiUrl,
            kubeconfigCiphertext: kubeconfig,
            status: "active",
            maxPods: input.maxPods ?? 1000,
            tokenHash: hashToken(token),
          })}`.pipe(
            Sql.refusedBy({
              clusters_name_unique: () => refused(`A cluster named ${input.name} already exists.`, "name"),
              clusters_region_fk: () => missing("region", input.regionId),
            }),
          )
          return { cluster: yield* get(id), token }
        }),

        list: Sql.orDefect(selectClusters()),

        get,

        rotateToken: Effect.fn("Clusters.rotateToken")(function* (clusterId: string) {
          const token = newToken()
          const rows =
            yield* sql`UPDATE clusters SET token_hash = ${hashToken(token)} WHERE id = ${clusterId} RETURNING id`
          if (rows.length === 0) return yield* missing("cluster", clusterId)
          return token
        }),

        setStatus: Effect.fn("Clusters.setStatus")(function* (
          clusterId: string,
          status: ProjectsRpc.ClusterView["status"],
        ) {
          const current = yield* get(clusterId)
          if (status === "retired" && current.environments > 0) {
            return yield* refused(
              `Cluster ${current.name} still runs ${current.environments} environment(s): drain it before retiring it.`,
              "status",
            )
          }
          yield* sql`UPDATE clusters SET status = ${status} WHERE id = ${clusterId}`.pipe(
            Sql.refusedBy({
              clusters_reachable_when_in_service: () =>
                refused("A cluster needs its API URL and kubeconfig before it can serve.", "status"),
            }),
          )
          return yield* get(clusterId)
        }),

        authenticate: (token: string) =>
          sql`
            SELECT id FROM clusters WHERE token_hash = ${hashToken(token)} AND status IN ('active', 'draining')`.pipe(
            Effect.flatMap(firstClusterId),
          ),

        place: (preferredRegionId: string | null) =>
          sql`
            SELECT c.id FROM clusters c
            WHERE c.status = 'active'
            ORDER BY (c.region_id = ${preferredRegionId}) IS TRUE DESC,
              (SELECT count(*) FROM environments e WHERE e.cluster_id = c.id), c.name
            LIMIT 1`.pipe(Effect.flatMap(firstClusterId)),
      }
      return Clusters.of(Sql.edge(methods))
    }),
  )
}
