import { describe, expect, it } from "@effect/vitest"
import { Auth, Ids } from "@starform/domain"
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { planOf, UndeclaredPermission } from "../src/auth/Authorization.ts"

/**
 * The gateway refuses to start on an endpoint behind `Authorization` that it cannot authorize: one that declares
 * nothing, one declared tenantless (it has no tenant to give its handler), or one whose tenant or aim is not in its
 * path. What a declared one is planned with is its declaration.
 */

const group = HttpApiGroup.make("probe")
const refusal = (endpoint: Parameters<typeof planOf>[1]) => {
  const plan = planOf(group, endpoint)
  return plan instanceof UndeclaredPermission ? plan.message : undefined
}

describe("Authorization's plan of an endpoint", () => {
  it("refuses an endpoint that declares nothing", () => {
    const endpoint = HttpApiEndpoint.get("bare", "/v1/workspaces/:workspaceId/bare", {
      params: { workspaceId: Ids.WorkspaceId },
    })
    expect(refusal(endpoint)).toContain("declares no Auth.requires")
  })

  it("refuses a tenantless endpoint behind it, naming its reason", () => {
    const endpoint = HttpApiEndpoint.post("make", "/v1/things").annotateMerge(Auth.tenantless("creates a thing"))
    expect(refusal(endpoint)).toContain("Auth.tenantless (creates a thing)")
  })

  it("refuses a tenant or an aim read from a parameter not in the path", () => {
    const params = { workspaceId: Ids.WorkspaceId }
    const tenant = HttpApiEndpoint.get("t", "/v1/things/:thingId", { params: { thingId: Schema.String } })
    expect(refusal(tenant.annotateMerge(Auth.requires("member.read", Auth.inWorkspace())))).toContain(
      "from :workspaceId, not in its path",
    )
    const aimed = HttpApiEndpoint.patch("a", "/v1/workspaces/:workspaceId/members", { params }).annotateMerge(
      Auth.requires("member.update", Auth.inWorkspace(), { type: "member", param: "userId" }),
    )
    expect(refusal(aimed)).toContain("from :userId, not in its path")
  })

  it("plans a declared endpoint with its action, tenant source and aim", () => {
    const endpoint = HttpApiEndpoint.delete("revoke", "/v1/tokens/:tokenId", {
      params: { tokenId: Ids.ApiTokenId },
    }).annotateMerge(Auth.requires("token.revoke", Auth.ofIdentityResource("api_token", "tokenId")))
    const plan = planOf(group, endpoint)
    expect(plan).not.toBeInstanceOf(UndeclaredPermission)
    if (!(plan instanceof UndeclaredPermission)) {
      expect(plan.permission).toMatchObject({
        action: "token.revoke",
        tenant: { from: "identity", kind: "api_token", param: "tokenId" },
      })
    }
  })
})
