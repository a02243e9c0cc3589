import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { EnvironmentId, ProjectId, ServiceId, VarGroupId } from "../Ids.ts"
import { VarGroupName, VariableKey } from "../Names.ts"
import { Description } from "../Projects.ts"
import * as Rules from "../Rules.ts"
import { Instant } from "./Projects.ts"

/**
 * Variables of a service and var groups shared by a project's services. Values are write-only: reads show them
 * masked, and revealing one needs the `variable.reveal` permission and is written to the audit log. A value may
 * refer to other variables: `${{ api.DATABASE_URL }}` (service `api` of the same environment) or
 * `${{ shared.REGION }}` (the linked var groups' value); references resolve when a deployment is made.
 */

/** What every read shows in place of a value. */
export const mask = "••••••••"

/** A value: any text up to 32 KiB. */
export const VariableValue = Rules.text(32_768)

/** `{ KEY: value, … }`: keys are variable names, values at most 32 KiB. */
export const VariableMap = Schema.Record(VariableKey, VariableValue)

export const VariableView = Schema.Struct({
  key: VariableKey,
  /** Always the mask. */
  value: Schema.String,
  updatedAt: Instant,
})
export type VariableView = typeof VariableView.Type

export const RevealedVariable = Schema.Struct({ key: VariableKey, value: Schema.String })
export type RevealedVariable = typeof RevealedVariable.Type

/** A service's value in clear, as set, with the references it holds and what they resolve to now. */
export const RevealedServiceVariable = Schema.Struct({
  ...RevealedVariable.fields,
  references: Schema.Array(Schema.String).annotate({
    description: `The references the value holds, as written (\`\${{ api.URL }}\`, \`\${{ shared.REGION }}\`); empty: a plain value.`,
  }),
  resolvedValue: Schema.NullOr(Schema.String).annotate({
    description:
      "The value with its references substituted, as a deployment made now would see it; null: it cannot be resolved.",
  }),
  unresolvedReason: Schema.NullOr(Schema.String).annotate({
    description: "Why `resolvedValue` is null (a cycle, an unknown service or variable); null when it resolved.",
  }),
}).annotate({
  identifier: "RevealedServiceVariable",
  description: "One variable of a service with its value as set, its references, and what it resolves to now.",
})
export type RevealedServiceVariable = typeof RevealedServiceVariable.Type

export const SetVariablesRequest = Schema.Struct({
  /** Keys given are set (created or replaced); others stay. */
  variables: VariableMap,
})
export type SetVariablesRequest = typeof SetVariablesRequest.Type

export const VarGroupEntryView = Schema.Struct({
  key: VariableKey,
  /** Null: the group's default; set: that environment's override. */
  environmentId: Schema.NullOr(EnvironmentId),
  value: Schema.String,
  updatedAt: Instant,
})
export type VarGroupEntryView = typeof VarGroupEntryView.Type

export const VarGroupView = Schema.Struct({
  id: VarGroupId,
  projectId: ProjectId,
  name: VarGroupName,
  description: Schema.NullOr(Schema.String),
  entries: Schema.Array(VarGroupEntryView),
  createdAt: Instant,
  updatedAt: Instant,
})
export type VarGroupView = typeof VarGroupView.Type

export const CreateVarGroupRequest = Schema.Struct({
  name: VarGroupName,
  description: Schema.optionalKey(Schema.NullOr(Description)),
  variables: Schema.optionalKey(VariableMap),
})
export type CreateVarGroupRequest = typeof CreateVarGroupRequest.Type

export const UpdateVarGroupRequest = Schema.Struct({
  name: Schema.optionalKey(VarGroupName),
  description: Schema.optionalKey(Schema.NullOr(Description)),
})
export type UpdateVarGroupRequest = typeof UpdateVarGroupRequest.Type

export const SetVarGroupVariablesRequest = Schema.Struct({
  /** Absent or null: the group's defaults; an environment of the project: that environment's overrides. */
  environmentId: Schema.optionalKey(Schema.NullOr(EnvironmentId)),
  variables: VariableMap,
})
export type SetVarGroupVariablesRequest = typeof SetVarGroupVariablesRequest.Type

export const EnvironmentQuery = Schema.Struct({ environmentId: Schema.optionalKey(EnvironmentId) })

export const VarGroupLink = Schema.Struct({
  varGroupId: VarGroupId,
  name: VarGroupName,
  /** From 0; where groups set the same key, the higher position wins. */
  position: Schema.Int,
})
export type VarGroupLink = typeof VarGroupLink.Type

export const LinkVarGroupsRequest = Schema.Struct({
  /** The groups the service uses, weakest first: a later group wins over an earlier one. Replaces the links. */
  varGroupIds: Schema.Array(VarGroupId),
})
export type LinkVarGroupsRequest = typeof LinkVarGroupsRequest.Type

const serviceId = { serviceId: ServiceId }
const serviceKey = { serviceId: ServiceId, key: VariableKey }
const projectId = { projectId: ProjectId }
const varGroupId = { varGroupId: VarGroupId }
const varGroupKey = { varGroupId: VarGroupId, key: VariableKey }
const errors = [ValidationFailed, Forbidden, NotFound, Conflict]

export const VariablesGroup = HttpApiGroup.make("variables")
  .add(
    HttpApiEndpoint.get("listServiceVariables", "/v1/services/:serviceId/variables", {
      params: serviceId,
      success: Schema.Array(VariableView),
      error: [Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "The service's own variables, values masked"),
    HttpApiEndpoint.patch("setServiceVariables", "/v1/services/:serviceId/variables", {
      params: serviceId,
      payload: SetVariablesRequest,
      success: Schema.Array(VariableView),
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("service", "serviceId")))
      .annotate(
        OpenApi.Summary,
        "Set variables of a service (references are checked: cycles and unknown names are refused)",
      ),
    HttpApiEndpoint.delete("deleteServiceVariable", "/v1/services/:serviceId/variables/:key", {
      params: serviceKey,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("variable.write", Auth.ofResource("service", "serviceId"))),
    HttpApiEndpoint.post("revealServiceVariable", "/v1/services/:serviceId/variables/:key/reveal", {
      params: serviceKey,
      success: RevealedServiceVariable,
      error: [Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.reveal", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Show one value in clear (needs variable.reveal; audited)"),
    HttpApiEndpoint.get("listVarGroupLinks", "/v1/services/:serviceId/var-groups", {
      params: serviceId,
      success: Schema.Array(VarGroupLink),
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("variable.read", Auth.ofResource("service", "serviceId"))),
    HttpApiEndpoint.put("linkVarGroups", "/v1/services/:serviceId/var-groups", {
      params: serviceId,
      payload: LinkVarGroupsRequest,
      success: Schema.Array(VarGroupLink),
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Choose the var groups a service uses and their precedence"),
    HttpApiEndpoint.get("listVarGroups", "/v1/projects/:projectId/var-groups", {
      params: projectId,
      success: Schema.Array(VarGroupView),
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("variable.read", Auth.ofResource("project", "projectId"))),
    HttpApiEndpoint.post("createVarGroup", "/v1/projects/:projectId/var-groups", {
      params: projectId,
      payload: CreateVarGroupRequest,
      success: VarGroupView.pipe(HttpApiSchema.status(201)),
      error: errors,
    }).annotateMerge(Auth.requires("variable.write", Auth.ofResource("project", "projectId"))),
    HttpApiEndpoint.get("getVarGroup", "/v1/var-groups/:varGroupId", {
      params: varGroupId,
      success: VarGroupView,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("variable.read", Auth.ofResource("varGroup", "varGroupId"))),
    HttpApiEndpoint.patch("updateVarGroup", "/v1/var-groups/:varGroupId", {
      params: varGroupId,
      payload: UpdateVarGroupRequest,
      success: VarGroupView,
      error: errors,
    }).annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId"))),
    HttpApiEndpoint.delete("deleteVarGroup", "/v1/var-groups/:varGroupId", {
      params: varGroupId,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId"))),
    HttpApiEndpoint.patch("setVarGroupVariables", "/v1/var-groups/:varGroupId/variables", {
      params: varGroupId,
      payload: SetVarGroupVariablesRequest,
      success: VarGroupView,
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId")))
      .annotate(OpenApi.Summary, "Set a group's default values, or one environment's overrides"),
    HttpApiEndpoint.delete("deleteVarGroupVariable", "/v1/var-groups/:varGroupId/variables/:key", {
      params: varGroupKey,
      query: EnvironmentQuery,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId"))),
    HttpApiEndpoint.post("revealVarGroupVariable", "/v1/var-groups/:varGroupId/variables/:key/reveal", {
      params: varGroupKey,
      query: EnvironmentQuery,
      success: RevealedVariable,
      error: [Forbidden, NotFound],
    }).annotateMerge(Auth.requires("variable.reveal", Auth.ofResource("varGroup", "varGroupId"))),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Variables and var groups")
