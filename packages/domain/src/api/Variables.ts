import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { EnvironmentId, ProjectId, ServiceId, VarGroupId } from "../Ids.ts"
import { VarGroupName, VariableKey } from "../Names.ts"
import { Description } from "../Projects.ts"
import * as RequestBodies from "../RequestBodies.ts"
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
export const VariableValue = Rules.text(RequestBodies.limits.variableValueCharacters)

/** `{ KEY: value, … }`: keys are variable names, values at most 32 KiB, at most 1000 keys in one request. */
export const VariableMap = Schema.Record(VariableKey, VariableValue).check(
  Schema.isMaxProperties(RequestBodies.limits.variablesPerRequest, {
    message: `must set at most ${RequestBodies.limits.variablesPerRequest} variables in one request`,
    rule: "max-variables",
  }),
)

export const VariableView = Schema.Struct({
  key: VariableKey.annotate({ description: "The variable's name." }),
  /** Always the mask. */
  value: Schema.String.annotate({ description: "Always the mask `••••••••`: values are write-only (see `reveal`)." }),
  updatedAt: Instant.annotate({ description: "When the value was last set." }),
}).annotate({ identifier: "Variable", description: "A variable of a service, its value masked." })
export type VariableView = typeof VariableView.Type

export const RevealedVariable = Schema.Struct({
  key: VariableKey.annotate({ description: "The variable's name." }),
  value: Schema.String.annotate({ description: `The value as set, references (\`\${{ service.KEY }}\`) unresolved.` }),
}).annotate({ identifier: "RevealedVariable", description: "One variable with its value, as set." })
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
  variables: VariableMap.pipe(
    Schema.annotateEncoded({
      description: `Keys given are set (created or replaced); others stay. Values may refer to other variables: \`\${{ api.URL }}\`, \`\${{ shared.REGION }}\`.`,
      examples: [
        {
          DATABASE_URL: `postgres://\${{ db.USER }}@\${{ db.HOST }}/shop`,
          REGION: `\${{ shared.REGION }}`,
          LOG_LEVEL: "info",
        },
      ],
    }),
  ),
})
export type SetVariablesRequest = typeof SetVariablesRequest.Type

export const VarGroupEntryView = Schema.Struct({
  key: VariableKey.annotate({ description: "The variable's name." }),
  /** Null: the group's default; set: that environment's override. */
  environmentId: Schema.NullOr(EnvironmentId).annotate({
    description: "Null: the group's default; set: that environment's override.",
  }),
  value: Schema.String.annotate({ description: "Always the mask `••••••••`." }),
  updatedAt: Instant.annotate({ description: "When the value was last set." }),
}).annotate({
  identifier: "VarGroupEntry",
  description: "One key of a var group: its default value or one environment's override, masked.",
})
export type VarGroupEntryView = typeof VarGroupEntryView.Type

export const VarGroupView = Schema.Struct({
  id: VarGroupId.annotate({ description: "The var group's id." }),
  projectId: ProjectId.annotate({ description: "The project the group belongs to." }),
  name: VarGroupName.annotate({ description: "The group's name, unique in its project." }),
  description: Schema.NullOr(Schema.String).annotate({ description: "What the group holds; null: none." }),
  entries: Schema.Array(VarGroupEntryView).annotate({
    description: "The group's keys: defaults and environment overrides, values masked.",
  }),
  createdAt: Instant.annotate({ description: "When the group was created." }),
  updatedAt: Instant.annotate({ description: "When the group was last changed." }),
}).annotate({ identifier: "VarGroup", description: "A named set of variables that services of a project link to." })
export type VarGroupView = typeof VarGroupView.Type

export const CreateVarGroupRequest = Schema.Struct({
  name: VarGroupName.annotate({ description: "The group's name, unique in the project." }),
  description: Schema.optionalKey(Schema.NullOr(Description)).annotate({
    description: "What the group holds; null or absent: none.",
  }),
  variables: Schema.optionalKey(VariableMap).annotate({ description: "The group's default values; absent: none yet." }),
})
export type CreateVarGroupRequest = typeof CreateVarGroupRequest.Type

export const UpdateVarGroupRequest = Schema.Struct({
  name: Schema.optionalKey(VarGroupName).annotate({ description: "A new name for the group." }),
  description: Schema.optionalKey(Schema.NullOr(Description)).annotate({
    description: "A new description; null removes it.",
  }),
})
export type UpdateVarGroupRequest = typeof UpdateVarGroupRequest.Type

export const SetVarGroupVariablesRequest = Schema.Struct({
  /** Absent or null: the group's defaults; an environment of the project: that environment's overrides. */
  environmentId: Schema.optionalKey(Schema.NullOr(EnvironmentId)).annotate({
    description:
      "Absent or null: set the group's defaults; an environment of the project: set that environment's overrides.",
  }),
  variables: VariableMap.pipe(
    Schema.annotateEncoded({
      description: "Keys given are set (created or replaced); others stay.",
      examples: [{ REGION: "nyc3", SENTRY_DSN: "https://key@sentry.example.com/1" }],
    }),
  ),
})
export type SetVarGroupVariablesRequest = typeof SetVarGroupVariablesRequest.Type

export const EnvironmentQuery = Schema.Struct({
  environmentId: Schema.optionalKey(EnvironmentId).annotate({
    description: "Absent: the group's default value; an environment of the project: that environment's override.",
  }),
})

export const VarGroupLink = Schema.Struct({
  varGroupId: VarGroupId.annotate({ description: "The linked group." }),
  name: VarGroupName.annotate({ description: "The group's name." }),
  /** From 0; where groups set the same key, the higher position wins. */
  position: Schema.Int.annotate({ description: "From 0; where groups set the same key, the higher position wins." }),
}).annotate({ identifier: "VarGroupLink", description: "A service's link to a var group." })
export type VarGroupLink = typeof VarGroupLink.Type

export const LinkVarGroupsRequest = Schema.Struct({
  /** The groups the service uses, weakest first: a later group wins over an earlier one. Replaces the links. */
  varGroupIds: Schema.Array(VarGroupId).annotate({
    description:
      "The groups the service uses, weakest first: a later group wins over an earlier one. Replaces the links.",
  }),
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
      success: Schema.Array(VariableView).annotate({ description: "The service's variables, values masked." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "The service's own variables, values masked")
      .annotate(
        OpenApi.Description,
        "Keys and when they were set; values are always masked (see `reveal`). Var-group values are listed with the groups.",
      ),
    HttpApiEndpoint.patch("setServiceVariables", "/v1/services/:serviceId/variables", {
      params: serviceId,
      payload: SetVariablesRequest,
      success: Schema.Array(VariableView).annotate({
        description: "The service's variables after the change, values masked.",
      }),
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("service", "serviceId")))
      .annotate(
        OpenApi.Summary,
        "Set variables of a service (references are checked: cycles and unknown names are refused)",
      )
      .annotate(
        OpenApi.Description,
        `Keys given are created or replaced, others stay. Values may refer to other variables (\`\${{ api.URL }}\`, \`\${{ shared.REGION }}\`); a change that leaves any service unable to resolve its references (a cycle, an unknown service or variable) is refused with 400. New values take effect at the next deploy.`,
      ),
    HttpApiEndpoint.delete("deleteServiceVariable", "/v1/services/:serviceId/variables/:key", {
      success: HttpApiSchema.NoContent.annotate({ description: "The variable is deleted." }),
      params: serviceKey,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Delete a variable of a service")
      .annotate(
        OpenApi.Description,
        "A deletion that leaves a reference unresolvable is refused (400). Takes effect at the next deploy.",
      ),
    HttpApiEndpoint.post("revealServiceVariable", "/v1/services/:serviceId/variables/:key/reveal", {
      params: serviceKey,
      success: RevealedServiceVariable,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.reveal", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Show one value in clear (needs variable.reveal; audited)")
      .annotate(
        OpenApi.Description,
        "The value as set, the references it holds, and what it resolves to now (`resolvedValue`, or `unresolvedReason` when it cannot). Needs the `variable.reveal` permission; every reveal is written to the audit log.",
      ),
    HttpApiEndpoint.get("listVarGroupLinks", "/v1/services/:serviceId/var-groups", {
      params: serviceId,
      success: Schema.Array(VarGroupLink).annotate({ description: "The service's var-group links, weakest first." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "The var groups a service uses")
      .annotate(
        OpenApi.Description,
        "In precedence order: a later group wins over an earlier one where both set a key.",
      ),
    HttpApiEndpoint.put("linkVarGroups", "/v1/services/:serviceId/var-groups", {
      params: serviceId,
      payload: LinkVarGroupsRequest,
      success: Schema.Array(VarGroupLink).annotate({ description: "The service's var-group links after the change." }),
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Choose the var groups a service uses and their precedence")
      .annotate(
        OpenApi.Description,
        "Replaces the links. Groups are listed weakest first; the service's own variables win over every group.",
      ),
    HttpApiEndpoint.get("listVarGroups", "/v1/projects/:projectId/var-groups", {
      params: projectId,
      success: Schema.Array(VarGroupView).annotate({ description: "The project's var groups." }),
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.read", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "The var groups of a project")
      .annotate(OpenApi.Description, "Each with its keys, values masked."),
    HttpApiEndpoint.post("createVarGroup", "/v1/projects/:projectId/var-groups", {
      params: projectId,
      payload: CreateVarGroupRequest,
      success: VarGroupView.pipe(HttpApiSchema.status(201)),
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("project", "projectId")))
      .annotate(OpenApi.Summary, "Create a var group")
      .annotate(
        OpenApi.Description,
        "A named set of variables that services of the project link to; its name is unique in the project.",
      ),
    HttpApiEndpoint.get("getVarGroup", "/v1/var-groups/:varGroupId", {
      params: varGroupId,
      success: VarGroupView,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.read", Auth.ofResource("varGroup", "varGroupId")))
      .annotate(OpenApi.Summary, "A var group")
      .annotate(OpenApi.Description, "With its defaults and environment overrides, values masked."),
    HttpApiEndpoint.patch("updateVarGroup", "/v1/var-groups/:varGroupId", {
      params: varGroupId,
      payload: RequestBodies.optional(UpdateVarGroupRequest),
      success: VarGroupView,
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId")))
      .annotate(OpenApi.Summary, "Rename a var group or change its description")
      .annotate(OpenApi.Description, "Only the fields sent change."),
    HttpApiEndpoint.delete("deleteVarGroup", "/v1/var-groups/:varGroupId", {
      success: HttpApiSchema.NoContent.annotate({ description: "The var group is deleted." }),
      params: varGroupId,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId")))
      .annotate(OpenApi.Summary, "Delete a var group")
      .annotate(OpenApi.Description, "A deletion that leaves a reference unresolvable is refused (400)."),
    HttpApiEndpoint.patch("setVarGroupVariables", "/v1/var-groups/:varGroupId/variables", {
      params: varGroupId,
      payload: SetVarGroupVariablesRequest,
      success: VarGroupView,
      error: errors,
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId")))
      .annotate(OpenApi.Summary, "Set a group's default values, or one environment's overrides")
      .annotate(
        OpenApi.Description,
        "Without `environmentId`, sets the group's defaults; with one, that environment's overrides. References are checked for every service that links the group.",
      ),
    HttpApiEndpoint.delete("deleteVarGroupVariable", "/v1/var-groups/:varGroupId/variables/:key", {
      success: HttpApiSchema.NoContent.annotate({ description: "The key is deleted." }),
      params: varGroupKey,
      query: EnvironmentQuery,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.write", Auth.ofResource("varGroup", "varGroupId")))
      .annotate(OpenApi.Summary, "Delete a key of a var group")
      .annotate(
        OpenApi.Description,
        "Without `environmentId`, deletes the default; with one, that environment's override.",
      ),
    HttpApiEndpoint.post("revealVarGroupVariable", "/v1/var-groups/:varGroupId/variables/:key/reveal", {
      params: varGroupKey,
      query: EnvironmentQuery,
      success: RevealedVariable,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("variable.reveal", Auth.ofResource("varGroup", "varGroupId")))
      .annotate(OpenApi.Summary, "Show one value of a var group in clear")
      .annotate(
        OpenApi.Description,
        "The default, or with `environmentId` that environment's override, as set. Needs the `variable.reveal` permission; every reveal is written to the audit log.",
      ),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Variables and var groups")
  .annotate(
    OpenApi.Description,
    `Environment variables of a service, and var groups shared by a project's services. Values are write-only (reads show them masked; revealing one is audited) and may refer to other variables with \`\${{ service.KEY }}\` or \`\${{ shared.KEY }}\`; see Variable references on the reference page.`,
  )
