import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { derToJoseSignature } from './ecdsa-signature';

describe('derToJoseSignature', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('matches what node:crypto verifies as IEEE P1363 over thousands of signatures', () => {
    // Enough signatures that r and s with a high bit set (33-byte INTEGERs) and with leading
    // zero bytes (31 bytes or fewer) both occur.
    const lengths = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      const data = Buffer.from(`message ${i}`);
      const der = sign('sha256', data, privateKey);
      lengths.add(der[3]).add(der[5 + der[3]]);
      const jose = derToJoseSignature(der);
      expect(jose).toHaveLength(64);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(
        true,
      );
    }
    expect([...lengths].sort()).toEqual(expect.arrayContaining([31, 32, 33]));
  });

  it('rejects input that is not a DER signature', () => {
    expect(() => derToJoseSignature(Buffer.from([0x31, 0x00]))).toThrow(/DER/);
    expect(() => derToJoseSignature(Buffer.from([0x30, 0x06, 0x02, 0x09, 0x01]))).toThrow(
      /truncated/,
    );
    const tooLong = Buffer.concat([
      Buffer.from([0x30, 0x46, 0x02, 0x22]),
      Buffer.alloc(34, 1),
      Buffer.from([0x02, 0x20]),
      Buffer.alloc(32, 1),
    ]);
    expect(() => derToJoseSignature(tooLong)).toThrow(/longer/);
  });
});
