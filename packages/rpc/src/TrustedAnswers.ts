import { Effect, Exit, Layer, Schema, SchemaAST, type SchemaIssue, SchemaParser, SchemaTransformation } from "effect"
import { RpcSerialization } from "effect/rpc"

/**
 * Wire formats for our own services' answers: "between our own services, encode once and trust the contract". A
 * value is checked where it enters the platform (a request decoded at the gateway's edge, a row decoded from the
 * database); after that it is a value of the contract's types (branded ids only a decode makes), so:
 * - a service that vouches for its answers (`layerVouching`) encodes them without running their checks again: they
 *   are still shaped by the schema (excess keys left out, dates and classes turned into JSON);
 * - a client that trusts the answers of the service it calls (`layer`) does not check them again either: a
 *   successful answer whose wire form is already its value (strings, numbers, booleans, null, literals, arrays and
 *   structs of them: the API's views) is taken as it arrives, any other is decoded with its checks off (classes and
 *   dates are still built).
 * Payloads are encoded and decoded in full, and so are failures on the client: only successful answers are trusted.
 * Only between services of this platform, which share the contract: never for an outside party.
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

/** A codec that decodes and encodes with the functions given (the library's parsers of the schema it stands for). */
const codecOf = (decode: Parse, encode: Parse): Wire =>
  Schema.Unknown.pipe(Schema.decodeTo(Schema.Unknown, SchemaTransformation.transformEffect({ decode, encode })))

/** The codec of an RPC's `Exit` whose success is trusted; its failures are decoded in full. */
const trustedExit = (exit: Schema.Exit<Wire, Wire, Wire>, codecFor: RpcSerialization.CodecFor): Wire => {
  const full = codecFor(exit)
  const decodeFull: Parse = SchemaParser.decodeUnknownEffect(full)
  const encodeFull: Parse = SchemaParser.encodeUnknownEffect(full)
  const success = codecFor(exit.value)
  const decodeSuccess: Parse = isWireIdentical(success.ast)
    ? (value) => Effect.succeed(value)
    : (value, options) => SchemaParser.decodeUnknownEffect(success)(value, { ...options, disableChecks: true })
  return codecOf(
    (input, options) =>
      isEncodedSuccess(input)
        ? Effect.map(decodeSuccess(input.value, options), Exit.succeed)
        : decodeFull(input, options),
    encodeFull,
  )
}

/** The codec of an RPC's `Exit` encoded without its checks (its values are the contract's types already). */
const vouchedExit = (exit: Schema.Exit<Wire, Wire, Wire>, codecFor: RpcSerialization.CodecFor): Wire => {
  const full = codecFor(exit)
  const encodeFull: Parse = SchemaParser.encodeUnknownEffect(full)
  return codecOf(SchemaParser.decodeUnknownEffect(full), (value, options) =>
    encodeFull(value, { ...options, disableChecks: true }),
  )
}

type Exits = (exit: Schema.Exit<Wire, Wire, Wire>, codecFor: RpcSerialization.CodecFor) => Wire

/** `codecFor` with RPC exits made by `exits`; every other schema (payloads above all) as `codecFor` makes it. */
const withExits =
  (exits: Exits) =>
  (codecFor: RpcSerialization.CodecFor): RpcSerialization.CodecFor =>
  (schema) =>
    (isExitSchema(schema) ? exits(schema, codecFor) : codecFor(schema)) as ReturnType<typeof codecFor>

/** `codecFor` with every RPC's successful answer trusted (see above). */
export const trusting = withExits(trustedExit)

/**
 * `codecFor` of a service that vouches for its answers: they are values of the contract's types, which only a decode
 * makes (branded ids, checked names), so encoding them does not check them again. It still shapes them (excess keys
 * are left out); the payloads it receives are decoded in full.
 */
export const vouching = withExits(vouchedExit)

const replacing =
  (codecFor: (base: RpcSerialization.CodecFor) => RpcSerialization.CodecFor) =>
  (serialization: Layer.Layer<RpcSerialization.RpcSerialization>): Layer.Layer<RpcSerialization.RpcSerialization> =>
    Layer.effect(
      RpcSerialization.RpcSerialization,
      Effect.map(Effect.service(RpcSerialization.RpcSerialization), (base) =>
        RpcSerialization.RpcSerialization.of({ ...base, codecFor: codecFor(base.codecFor) }),
      ),
    ).pipe(Layer.provide(serialization))

/** `serialization` on a client that trusts the answers of the service it calls (see above). */
export const layer = replacing(trusting)

/** `serialization` on a service that vouches for its answers (see `vouching`). */
export const layerVouching = replacing(vouching)
