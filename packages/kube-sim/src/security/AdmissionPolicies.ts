import { Environment } from "@marcbachmann/cel-js"
import { ApiError } from "../apiserver/Status.ts"
import type { KObject, LabelSelector } from "../Objects.ts"
import { type AdmissionRequest, type MatchResources, matchesResources } from "./PolicyMatch.ts"

interface Validation {
  readonly expression: string
  readonly message?: string
  readonly messageExpression?: string
  readonly reason?: string
}

interface PolicySpec {
  readonly failurePolicy?: "Fail" | "Ignore"
  readonly paramKind?: { readonly apiVersion: string; readonly kind: string }
  readonly matchConstraints?: MatchResources
  readonly matchConditions?: ReadonlyArray<{ readonly name: string; readonly expression: string }>
  readonly variables?: ReadonlyArray<{ readonly name: string; readonly expression: string }>
  readonly validations?: ReadonlyArray<Validation>
}

interface BindingSpec {
  readonly policyName?: string
  readonly validationActions?: ReadonlyArray<"Deny" | "Warn" | "Audit">
  readonly matchResources?: MatchResources
  readonly paramRef?: {
    readonly name?: string
    readonly namespace?: string
    readonly selector?: LabelSelector
    readonly parameterNotFoundAction?: "Deny" | "Allow"
  }
}

/** The policies and bindings stored in the cluster, and a way to read a policy's parameter objects. */
export interface PolicySource {
  readonly policies: ReadonlyArray<KObject>
  readonly bindings: ReadonlyArray<KObject>
  /** Objects of `paramKind` by name or selector, in `namespace` (undefined: cluster-scoped or every namespace). */
  readonly params: (
    paramKind: { readonly apiVersion: string; readonly kind: string },
    namespace: string | undefined,
    name: string | undefined,
    selector: LabelSelector | undefined,
  ) => ReadonlyArray<KObject>
}

/** A failed validation: which policy and binding, the message, and the status reason it asks for. */
export interface Failure {
  readonly policy: string
  readonly binding: string
  readonly message: string
  readonly reason: string
}

export interface Verdict {
  /** The first failure of a binding with the Deny action: the request is refused. */
  readonly denied: Failure | undefined
  /** `Warning` headers for failures of bindings with the Warn action. */
  readonly warnings: ReadonlyArray<string>
  /** Failures of bindings with the Audit action (a real server records them in the audit log). */
  readonly audited: ReadonlyArray<Failure>
}

const cel = new Environment({ unlistedVariablesAreDyn: true })
const compiled = new Map<string, ReturnType<typeof cel.parse>>()

/** CEL integers are int64: JSON integers become bigints, so `object.spec.replicas * 2` stays an int. */
const celValue = (value: unknown): unknown => {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value
  if (Array.isArray(value)) return value.map(celValue)
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, celValue(inner)]))
  return value
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

/** Evaluates one expression; a parse or evaluation error is a value (its first line, without the source excerpt). */
export const evaluateCel = (expression: string, activation: Record<string, unknown>): Outcome => {
  try {
    let program = compiled.get(expression)
    if (program === undefined) {
      program = cel.parse(expression)
      compiled.set(expression, program)
    }
    return { ok: true, value: program(activation) }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, error: message.split("\n")[0]!.trim() }
  }
}

/** The `request` variable: the AdmissionRequest fields policies read. */
const requestVariable = (request: AdmissionRequest) => {
  const resource = { group: request.group, version: request.version, resource: request.resource }
  const kind = { group: request.group, version: request.version, kind: request.kind }
  return {
    kind,
    resource,
    subResource: request.subresource,
    requestKind: kind,
    requestResource: resource,
    requestSubResource: request.subresource,
    name: request.name,
    namespace: request.namespace,
    operation: request.operation,
    userInfo: {
      username: request.userInfo.username,
      uid: request.userInfo.uid ?? "",
      groups: [...request.userInfo.groups],
      extra: request.userInfo.extra ?? {},
    },
    dryRun: request.dryRun,
  }
}

type Judgement =
  | { readonly kind: "skip" }
  | { readonly kind: "pass" }
  | { readonly kind: "fail"; readonly message: string; readonly reason: string }

const errorFailure = (expression: string, error: string): Judgement => ({
  kind: "fail",
  message: `expression '${expression.trim()}' resulted in error: ${error}`,
  reason: "Invalid",
})

/** Runs a policy's matchConditions, variables and validations against one activation (one param object). */
const judge = (spec: PolicySpec, base: Record<string, unknown>): Judgement => {
  const failClosed = (spec.failurePolicy ?? "Fail") === "Fail"
  for (const condition of spec.matchConditions ?? []) {
    const outcome = evaluateCel(condition.expression, base)
    if (!outcome.ok) return failClosed ? errorFailure(condition.expression, outcome.error) : { kind: "skip" }
    if (outcome.value !== true) return { kind: "skip" }
  }
  // Variables are evaluated in order, each seeing the earlier ones; one that errs is absent (using it errs).
  const variables: Record<string, unknown> = {}
  const activation = { ...base, variables }
  for (const variable of spec.variables ?? []) {
    const outcome = evaluateCel(variable.expression, activation)
    if (outcome.ok) variables[variable.name] = outcome.value
  }
  for (const validation of spec.validations ?? []) {
    const outcome = evaluateCel(validation.expression, activation)
    if (!outcome.ok) {
      if (failClosed) return errorFailure(validation.expression, outcome.error)
      continue
    }
    if (outcome.value === true) continue
    const fromExpression =
      validation.messageExpression !== undefined ? evaluateCel(validation.messageExpression, activation) : undefined
    const message =
      fromExpression?.ok && typeof fromExpression.value === "string" && fromExpression.value.trim() !== ""
        ? fromExpression.value
        : (validation.message ?? `failed expression: ${validation.expression.trim()}`)
    return { kind: "fail", message, reason: validation.reason ?? "Invalid" }
  }
  return { kind: "pass" }
}

const specOf = <A>(obj: KObject): A => (obj.spec ?? {}) as A

/**
 * Evaluates every ValidatingAdmissionPolicy bound by a ValidatingAdmissionPolicyBinding against a write, with a
 * real CEL engine: the policy's `matchConstraints` and the binding's `matchResources` (resource rules, namespace and
 * object selectors, exclusions), `matchConditions`, `variables`, `validations` (`expression`, `message`,
 * `messageExpression`, `reason`), `failurePolicy` for expressions that err, `paramKind`/`paramRef`, and the
 * binding's `validationActions` (Deny refuses, Warn warns, Audit records).
 */
export const evaluate = (request: AdmissionRequest, source: PolicySource): Verdict => {
  const warnings: Array<string> = []
  const audited: Array<Failure> = []
  let denied: Failure | undefined
  const byName = [...source.bindings].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
  let base: Record<string, unknown> | undefined
  for (const binding of byName) {
    const bindingSpec = specOf<BindingSpec>(binding)
    const policy = source.policies.find((p) => p.metadata.name === bindingSpec.policyName)
    if (policy === undefined) continue
    const spec = specOf<PolicySpec>(policy)
    if (!matchesResources(spec.matchConstraints, request, true)) continue
    if (!matchesResources(bindingSpec.matchResources, request, false)) continue
    base ??= celValue({
      object: request.object,
      oldObject: request.oldObject,
      request: requestVariable(request),
      namespaceObject: request.namespaceObject,
    }) as Record<string, unknown>
    const judgement = judgeWithParams(spec, bindingSpec, request, source, base)
    if (judgement.kind !== "fail") continue
    const failure: Failure = {
      policy: policy.metadata.name ?? "",
      binding: binding.metadata.name ?? "",
      message: judgement.message,
      reason: judgement.reason,
    }
    const actions = bindingSpec.validationActions ?? []
    if (actions.includes("Deny")) denied ??= failure
    if (actions.includes("Warn"))
      warnings.push(
        `Validation failed for ValidatingAdmissionPolicy '${failure.policy}' with binding '${failure.binding}': ${failure.message}`,
      )
    if (actions.includes("Audit")) audited.push(failure)
  }
  return { denied, warnings, audited }
}

/** Without `paramKind` one judgement; with it, one per param object the binding's `paramRef` finds. */
const judgeWithParams = (
  spec: PolicySpec,
  binding: BindingSpec,
  request: AdmissionRequest,
  source: PolicySource,
  base: Record<string, unknown>,
): Judgement => {
  if (spec.paramKind === undefined) return judge(spec, { ...base, params: null })
  const ref = binding.paramRef
  const failClosed = (spec.failurePolicy ?? "Fail") === "Fail"
  if (ref === undefined)
    return failClosed
      ? { kind: "fail", message: "failed to configure binding: no paramRef specified", reason: "Invalid" }
      : { kind: "skip" }
  const namespace = ref.namespace ?? (request.namespaced ? request.namespace : undefined)
  const params = source.params(spec.paramKind, namespace, ref.name, ref.selector)
  if (params.length === 0) {
    return (ref.parameterNotFoundAction ?? "Deny") === "Deny"
      ? {
          kind: "fail",
          message: "no params found for policy binding with `Deny` parameterNotFoundAction",
          reason: "Invalid",
        }
      : { kind: "skip" }
  }
  for (const param of params) {
    const judgement = judge(spec, { ...base, params: celValue(param) })
    if (judgement.kind === "fail") return judgement
  }
  return { kind: "pass" }
}

const codes: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 }

/**
 * The refusal the real server sends: `pods "api-1" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b'
 * denied request: <message>`, with the validation's reason (Invalid, 422, when it names none) and its code.
 */
export const refusal = (failure: Failure, request: AdmissionRequest): ApiError => {
  const message = `ValidatingAdmissionPolicy '${failure.policy}' with binding '${failure.binding}' denied request: ${failure.message}`
  const qualified = request.group ? `${request.resource}.${request.group}` : request.resource
  const name = request.name || request.object?.metadata.generateName || "Unknown"
  return new ApiError(codes[failure.reason] ?? 422, failure.reason, `${qualified} "${name}" is forbidden: ${message}`, {
    name,
    ...(request.group ? { group: request.group } : {}),
    kind: request.resource,
    causes: [{ message }],
  })
}
