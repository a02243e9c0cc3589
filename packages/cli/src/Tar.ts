/**
 * A minimal POSIX tar (ustar) writer: regular files only, a PAX header for a path longer than ustar holds, and fixed
 * owner and times, so the same folder always packs to the same bytes (and the same SHA-256). Pure.
 */

const block = 512

const field = (header: Buffer, offset: number, length: number, value: string) => {
  header.write(value.slice(0, length), offset, length, "utf8")
}

const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, "0")}\0`

const headerOf = (name: string, size: number, mode: number, type: "0" | "x"): Buffer => {
  const header = Buffer.alloc(block)
  field(header, 0, 100, name)
  field(header, 100, 8, octal(mode, 8))
  field(header, 108, 8, octal(0, 8))
  field(header, 116, 8, octal(0, 8))
  field(header, 124, 12, octal(size, 12))
  field(header, 136, 12, octal(0, 12))
  field(header, 148, 8, "        ")
  field(header, 156, 1, type)
  field(header, 257, 6, "ustar\0")
  field(header, 263, 2, "00")
  let sum = 0
  for (const byte of header) sum += byte
  field(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `)
  return header
}

/** Zeros that end a member's data on a block boundary. */
export const padding = (size: number): Buffer => Buffer.alloc((block - (size % block)) % block)

/** The header block(s) of a file of `size` bytes at `path` (with a PAX record first when the path is long). */
export const fileHeader = (path: string, size: number, executable: boolean): Buffer => {
  const mode = executable ? 0o755 : 0o644
  if (Buffer.byteLength(path) <= 100) return headerOf(path, size, mode, "0")
  const body = (length: number) => `${length} path=${path}\n`
  let length = Buffer.byteLength(body(0))
  while (Buffer.byteLength(body(length)) !== length) length = Buffer.byteLength(body(length))
  const record = Buffer.from(body(length))
  return Buffer.concat([
    headerOf("PaxHeader", record.length, 0o644, "x"),
    record,
    padding(record.length),
    headerOf(path.slice(-100), size, mode, "0"),
  ])
}

/** Two zero blocks: the end of the archive. */
export const end = (): Buffer => Buffer.alloc(block * 2)
