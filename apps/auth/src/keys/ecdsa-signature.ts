/**
 * An ECDSA signature from DER (`SEQUENCE { INTEGER r, INTEGER s }`, what OpenSSL produces) to
 * JOSE's fixed-width `r || s` (RFC 7518 §3.4). Signing with a bare KeyObject and converting here
 * costs half of asking node:crypto for `dsaEncoding: 'ieee-p1363'`, whose options path
 * re-validates the key on every call.
 */
export function derToJoseSignature(der: Buffer, size = 32): Buffer {
  if (der[0] !== 0x30) throw new Error('not a DER ECDSA signature');
  // P-256 and P-384 signatures are short enough for the one-byte length form.
  let offset = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  const out = Buffer.alloc(2 * size);
  for (const at of [0, size]) {
    if (der[offset] !== 0x02) throw new Error('not a DER ECDSA signature');
    const length = der[offset + 1];
    let start = offset + 2;
    const end = start + length;
    if (end > der.length) throw new Error('truncated DER ECDSA signature');
    // INTEGERs carry a leading 0x00 when their high bit is set, and may be shorter than `size`.
    while (start < end - 1 && der[start] === 0) start += 1;
    if (end - start > size) throw new Error('ECDSA integer longer than the curve size');
    der.copy(out, at + size - (end - start), start, end);
    offset = end;
  }
  return out;
}
