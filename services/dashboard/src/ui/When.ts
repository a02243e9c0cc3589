import { DateTime } from "effect"

/** A contract timestamp in the person's own locale and time zone. */
export const when = (time: DateTime.Utc): string => new Date(DateTime.toEpochMillis(time)).toLocaleString()

/** The date alone. */
export const day = (time: DateTime.Utc): string => new Date(DateTime.toEpochMillis(time)).toLocaleDateString()
