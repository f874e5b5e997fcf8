/** Crockford's base32 alphabet, as ULIDs write it. */
const CROCKFORD_BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `value` as `characters` Crockford base32 characters, most significant first (the low
 * `5 × characters` bits; higher bits are dropped). ULID-shaped ids are built from it: the CDC's
 * event ids (change-data-capture.ts) and the ids of keyed API commands.
 */
export function crockfordBase32(value: bigint, characters: number): string {
  let remaining = value;
  let out = '';
  for (let index = 0; index < characters; index++) {
    out = CROCKFORD_BASE32[Number(remaining & 31n)] + out;
    remaining >>= 5n;
  }
  return out;
}

/** The first `byteCount` bytes of `bytes` as one unsigned integer, most significant byte first. */
export function leadingBytesAsInteger(bytes: Uint8Array, byteCount: number): bigint {
  let value = 0n;
  for (const byte of bytes.subarray(0, byteCount)) value = (value << 8n) | BigInt(byte);
  return value;
}
