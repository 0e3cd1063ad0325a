// A fresh self-signed certificate for 127.0.0.1 at every start. The sim must speak HTTPS:
// kubectl (client-go's clientcmd) sends a bearer token only over TLS, and client-node 2.x
// refuses plain HTTP unless told to skip verification. Node can sign but not build a
// certificate, so this file writes the few DER structures an X.509 v3 certificate needs
// (RFC 5280) and signs them with an ECDSA P-256 key; the kubeconfig carries it as the CA.

import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

// ---- DER ----

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer): Buffer => tlv(0x03, Buffer.from([0]), b);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, c: Buffer): Buffer => tlv(0xa0 + n, c);

/**
 * A non-negative INTEGER from big-endian magnitude bytes, in DER's minimal form: leading
 * zero bytes are dropped (DER forbids a 0x00 that the next byte does not need, and
 * OpenSSL refuses such a certificate with "illegal padding"), and one 0x00 is put back only
 * when the first remaining byte has its top bit set, which would otherwise read as negative.
 * No bytes, or only zeros, encode 0 as the single byte 0x00.
 */
export function derInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const digits = Buffer.from(magnitude.subarray(start));
  if (digits.length === 0) return tlv(0x02, Buffer.from([0]));
  return tlv(0x02, (digits[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), digits]) : digits);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/**
 * RFC 5280 wants a positive serial of at most 20 octets. 16 random bytes give that (the
 * top-bit case takes a 17th octet in derInteger); only zeros, one chance in 2^128, would
 * encode 0, so they become 1.
 */
export function serialFrom(random: Uint8Array): Buffer {
  return random.some((b) => b !== 0) ? Buffer.from(random) : Buffer.from([1]);
}

// ---- certificate ----

export interface SelfSigned {
  certPem: string;
  keyPem: string;
}

export interface CertificateOptions {
  readonly commonName?: string;
  /** The serial number's bytes before encoding; 16 random bytes when absent. */
  readonly serial?: Uint8Array;
}

export function selfSignedCertificate(options: CertificateOptions = {}): SelfSigned {
  const commonName = options.commonName ?? 'hookd-sim';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
  const now = Date.now();
  const validity = seq(utcTime(new Date(now - 60 * 60 * 1000)), utcTime(new Date(now + 365 * 24 * 60 * 60 * 1000)));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const san = seq(
    tlv(0x87, Buffer.from([127, 0, 0, 1])), // iPAddress 127.0.0.1
    tlv(0x82, Buffer.from('localhost', 'ascii')), // dNSName
  );
  const extensions = explicit(
    3,
    seq(
      extension('2.5.29.19', true, seq(bool(true))), // basicConstraints: CA (it is its own root)
      extension('2.5.29.15', true, bits(Buffer.from([0x84]))), // keyUsage: digitalSignature, keyCertSign
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
      extension('2.5.29.17', false, san),
    ),
  );
  const serial = serialFrom(options.serial ?? randomBytes(16));
  const tbs = seq(explicit(0, derInteger(Buffer.from([2]))), derInteger(serial), ecdsaSha256, name, validity, name, spki, extensions);
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ecdsaSha256, bits(signature));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  // Parsing it back checks the encoding at start-up rather than in a client's TLS error.
  new X509Certificate(certPem);
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
