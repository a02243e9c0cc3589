import { BigDecimal, Schema, SchemaTransformation } from "effect"

/**
 * The schemas of column values, as `@effect/sql-pg` hands them over: `timestamptz` arrives as a `Date`,
 * `bigint` as a `bigint`, `numeric` as a decimal string, `inet`/`cidr` as their text form, `jsonb` parsed and
 * `text[]` as an array. Each decodes to the value the domain works with and encodes back to what the driver
 * accepts; their JSON forms (for the API) are ISO strings, decimal strings and plain JSON.
 */

/**
 * A `timestamptz`: a `Date` from the driver, a `DateTime.Utc` in the domain, an ISO 8601 string in JSON. The JSON
 * form is Effect's own (`Schema.Date`'s), restated only so that the API document can describe it.
 */
export const Timestamp = Schema.DateTimeUtcFromDate.pipe(
  Schema.annotateEncoded({
    toCodecJson: () =>
      Schema.link<Date>()(
        Schema.String.annotate({
          description: "An ISO 8601 instant in UTC.",
          format: "date-time",
          examples: ["2026-05-01T12:00:00.000Z"],
          expected: "a string that will be decoded as a Date",
        }),
        SchemaTransformation.dateFromString,
      ),
  }),
)
export type Timestamp = typeof Timestamp.Type

/** Money: a `bigint` count of cents, never negative. */
export const Cents = Schema.BigInt.check(
  Schema.isGreaterThanOrEqualToBigInt(0n, { message: "must be a whole, non-negative number of cents" }),
)
export type Cents = typeof Cents.Type

/** A non-negative `bigint` count, e.g. bytes. */
export const Count = Schema.BigInt.check(
  Schema.isGreaterThanOrEqualToBigInt(0n, { message: "must be a whole, non-negative number" }),
)
export type Count = typeof Count.Type

/** A non-negative `numeric`: the driver's decimal string, an exact `BigDecimal` in the domain. */
export const Quantity = Schema.BigDecimalFromString.check(
  Schema.isGreaterThanOrEqualToBigDecimal(BigDecimal.fromBigInt(0n), { message: "must not be negative" }),
)
export type Quantity = typeof Quantity.Type

/** An `inet`: an IPv4 or IPv6 address in PostgreSQL's text form (with `/bits` when it is not a single host). */
export const IpAddress = Schema.String.annotate({ description: "an IPv4 or IPv6 address" })
export type IpAddress = typeof IpAddress.Type

/** A `cidr`: a network in PostgreSQL's text form, e.g. `10.244.0.0/16`. */
export const Cidr = Schema.String.annotate({ description: "an IPv4 or IPv6 network, e.g. 10.244.0.0/16" })
export type Cidr = typeof Cidr.Type

/** A `jsonb` object. */
export const JsonObject = Schema.JsonObject
export type JsonObject = typeof JsonObject.Type
