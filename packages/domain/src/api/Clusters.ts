import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Authentication } from "../Auth.ts"
import { RegionId } from "../Ids.ts"
import { RegionStatus } from "../Infrastructure.ts"
import { RegionSlug } from "../Names.ts"

/** Where workloads can run: the regions a project may prefer. Clusters themselves are Starform's, not customers'. */

export const RegionView = Schema.Struct({
  id: RegionId.annotate({ description: "The region's id." }),
  slug: RegionSlug.annotate({ description: "The provider's name for the region." }),
  name: Schema.String.annotate({ description: "The region's name for people." }),
  provider: Schema.String.annotate({ description: "The cloud provider that runs it." }),
  status: RegionStatus.annotate({ description: "Whether the region takes new environments." }),
  /** Whether the region has an active cluster to place new environments on. */
  available: Schema.Boolean.annotate({
    description: "Whether the region has an active cluster to place new environments on.",
  }),
}).annotate({ identifier: "Region", description: "A region workloads can run in." })
export type RegionView = typeof RegionView.Type

export const ClustersGroup = HttpApiGroup.make("clusters")
  .add(
    HttpApiEndpoint.get("listRegions", "/v1/regions", {
      success: Schema.Array(RegionView).annotate({ description: "The regions, by name." }),
    })
      .annotate(OpenApi.Summary, "The regions a project can run in")
      .annotate(
        OpenApi.Description,
        "Regions a project can prefer with `regionId`; `available` says whether new environments can be placed there now.",
      ),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Regions")
  .annotate(
    OpenApi.Description,
    "Where workloads can run: the regions a project may prefer. Clusters themselves are Starform's, not customers'.",
  )
