// The sim's certificate: its serial number must be a minimal DER INTEGER whatever the
// random bytes are, or OpenSSL refuses the certificate ("illegal padding") and the sim
// cannot start. Each case is loaded by OpenSSL through X509Certificate, as clients do.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { derInteger, selfSignedCertificate, serialFrom } from '../src/tls.ts';

const hex = (b: Buffer): string => b.toString('hex');

describe('derInteger', () => {
  const cases: Array<{ name: string; magnitude: number[]; want: string }> = [
    { name: 'a small value stays one byte', magnitude: [0x02], want: '020102' },
    { name: 'a leading zero before a byte below 0x80 is dropped', magnitude: [0x00, 0x7f, 0x01], want: '02027f01' },
    { name: 'several leading zeros are dropped', magnitude: [0x00, 0x00, 0x00, 0x05], want: '020105' },
    { name: 'a leading zero that keeps the value positive stays', magnitude: [0x00, 0x80], want: '02020080' },
    { name: 'zeros before a top-bit byte leave exactly one', magnitude: [0x00, 0x00, 0xff], want: '020200ff' },
    { name: 'a top bit set gains one zero byte', magnitude: [0x80, 0x01], want: '0203008001' },
    { name: 'only zeros encode 0', magnitude: [0x00, 0x00], want: '020100' },
    { name: 'no bytes encode 0', magnitude: [], want: '020100' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(hex(derInteger(Uint8Array.from(c.magnitude))), c.want));
  }
});

describe('certificate serial numbers', () => {
  const sixteen = (first: number[]): Uint8Array => {
    const b = new Uint8Array(16).fill(0x11);
    first.forEach((v, i) => (b[i] = v));
    return b;
  };
  const cases: Array<{ name: string; serial: Uint8Array; want: string }> = [
    { name: 'first byte 0, next below 0x80 (the 1-in-256 start failure)', serial: sixteen([0x00, 0x42]), want: '42' + '11'.repeat(14) },
    { name: 'first two bytes 0', serial: sixteen([0x00, 0x00, 0x05]), want: '05' + '11'.repeat(13) },
    { name: 'first byte 0, next with its top bit set', serial: sixteen([0x00, 0x9a]), want: '9A' + '11'.repeat(14) },
    { name: 'top bit set', serial: sixteen([0xff]), want: 'FF' + '11'.repeat(15) },
    { name: 'all zeros become 1 (never 0)', serial: new Uint8Array(16), want: '01' },
    { name: 'all ones', serial: new Uint8Array(16).fill(0xff), want: 'FF'.repeat(16) },
  ];
  for (const c of cases) {
    it(`${c.name}: loads as X.509 with the minimal positive serial`, () => {
      const { certPem } = selfSignedCertificate({ serial: c.serial });
      const cert = new X509Certificate(certPem);
      assert.equal(cert.serialNumber.toUpperCase(), c.want.toUpperCase());
      assert.ok(cert.verify(cert.publicKey));
    });
  }

  it('serialFrom never yields zero and keeps the random bytes otherwise', () => {
    assert.deepEqual([...serialFrom(new Uint8Array(16))], [1]);
    assert.deepEqual([...serialFrom(Uint8Array.from([0, 7]))], [0, 7]);
  });

  it('2,000 certificates with random serials all load', () => {
    // At 1 in 256 per certificate the old encoder failed here with near certainty
    // (1 - (255/256)^2000 > 0.999), so this class of fault cannot come back unseen.
    const serials = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const cert = new X509Certificate(selfSignedCertificate().certPem);
      assert.match(cert.serialNumber, /^[0-9A-F]+$/i);
      assert.notEqual(cert.serialNumber.replace(/^0+/, ''), '');
      serials.add(cert.serialNumber);
    }
    assert.equal(serials.size, 2000);
  });
});
