import { Effect, Exit, Layer, Schema, SchemaAST, type SchemaIssue, SchemaParser, SchemaTransformation } from "effect"
import { RpcSerialization } from "effect/rpc"

/**
 * A client's wire format that trusts the answers of the service it calls: "between our own services, encode once and
 * trust the contract". The service validated its answer when it encoded it (checks, excess keys stripped), so the
 * client does not check it again: a successful answer whose wire form is already its value (strings, numbers,
 * booleans, null, literals, arrays and structs of them, e.g. the API's views) is taken as it arrives, and any other
 * successful answer is decoded with its checks off (classes and dates are still built). Failures and defects are
 * decoded in full, as are payloads encoded: only what the client receives on success is trusted.
 *
 * Only for a service of this platform, whose answers come from the same contract: never for an outside party.
 */

type Parse = (input: unknown, options?: SchemaAST.ParseOptions) => Effect.Effect<unknown, SchemaIssue.Issue>

/** True when decoding `ast` from JSON would only give back its input: no transformation, nothing to construct. */
export const isWireIdentical = (ast: SchemaAST.AST): boolean => {
  if (ast.encoding !== undefined) return false
  switch (ast._tag) {
    case "String":
    case "Number":
    case "Boolean":
    case "Literal":
    case "Null":
      return true
    case "Arrays":
      return ast.elements.every(isWireIdentical) && ast.rest.every(isWireIdentical)
    case "Objects":
      return ast.indexSignatures.length === 0 && ast.propertySignatures.every((p) => isWireIdentical(p.type))
    case "Union":
      return ast.types.every(isWireIdentical)
    default:
      return false
  }
}

type Wire = Schema.Codec<unknown, unknown>

/** An RPC's `Schema.Exit` (what the client decodes each answer with). */
const isExitSchema = (schema: Schema.Top): schema is Schema.Exit<Wire, Wire, Wire> => {
  const representation: unknown = schema.ast.annotations?.representation
  return (
    SchemaAST.isDeclaration(schema.ast) &&
    typeof representation === "object" &&
    representation !== null &&
    "id" in representation &&
    representation.id === "effect/schema/Exit" &&
    "value" in schema
  )
}

const isEncodedSuccess = (input: unknown): input is { readonly _tag: "Success"; readonly value: unknown } =>
  typeof input === "object" && input !== null && "_tag" in input && input._tag === "Success" && "value" in input

/** The codec of an RPC's `Exit` whose success is trusted; its failures are decoded by `full`. */
const trustedExit = (exit: Schema.Exit<Wire, Wire, Wire>, codecFor: RpcSerialization.CodecFor): Wire => {
  const full = codecFor(exit)
  const decodeFull: Parse = SchemaParser.decodeUnknownEffect(full)
  const encodeFull: Parse = SchemaParser.encodeUnknownEffect(full)
  const success = codecFor(exit.value)
  const decodeSuccess: Parse = isWireIdentical(success.ast)
    ? (value) => Effect.succeed(value)
    : (value, options) => SchemaParser.decodeUnknownEffect(success)(value, { ...options, disableChecks: true })
  return Schema.Unknown.pipe(
    Schema.decodeTo(
      Schema.Unknown,
      SchemaTransformation.transformEffect({
        decode: (input, options) =>
          isEncodedSuccess(input)
            ? Effect.map(decodeSuccess(input.value, options), Exit.succeed)
            : decodeFull(input, options),
        encode: (value, options) => encodeFull(value, options),
      }),
    ),
  )
}

/** `codecFor` with every RPC's successful answer trusted (see above); other schemas as `codecFor` makes them. */
export const trusting =
  (codecFor: RpcSerialization.CodecFor): RpcSerialization.CodecFor =>
  (schema) =>
    (isExitSchema(schema) ? trustedExit(schema, codecFor) : codecFor(schema)) as ReturnType<typeof codecFor>

/** `serialization` on a client that trusts the answers of the service it calls (see above). */
export const layer = (
  serialization: Layer.Layer<RpcSerialization.RpcSerialization>,
): Layer.Layer<RpcSerialization.RpcSerialization> =>
  Layer.effect(
    RpcSerialization.RpcSerialization,
    Effect.map(Effect.service(RpcSerialization.RpcSerialization), (base) =>
      RpcSerialization.RpcSerialization.of({ ...base, codecFor: trusting(base.codecFor) }),
    ),
  ).pipe(Layer.provide(serialization))
