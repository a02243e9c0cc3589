import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Authentication } from "../Auth.ts"
import { RegionId } from "../Ids.ts"
import { RegionStatus } from "../Infrastructure.ts"
import { RegionSlug } from "../Names.ts"

/** Where workloads can run: the regions a project may prefer. Clusters themselves are Starform's, not customers'. */

export const RegionView = Schema.Struct({
  id: RegionId,
  slug: RegionSlug,
  name: Schema.String,
  provider: Schema.String,
  status: RegionStatus,
  /** Whether the region has an active cluster to place new environments on. */
  available: Schema.Boolean,
})
export type RegionView = typeof RegionView.Type

export const ClustersGroup = HttpApiGroup.make("clusters")
  .add(
    HttpApiEndpoint.get("listRegions", "/v1/regions", { success: Schema.Array(RegionView) }).annotate(
      OpenApi.Summary,
      "The regions a project can run in",
    ),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Regions")
