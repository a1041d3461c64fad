// Property tests for the VRRP codec: decode(encode(x)) == x, and a million mutated packets give only typed errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  AdvertFields, DecodeContext, DECODE_REASONS, VrrpDecodeError, VrrpFamily, VrrpVersion,
  advertLength, decodeAdvert, decodeIpv4Advert, encodeAdvert, encodeIpv4Advert,
} from '../../src/vrrp/packet';
import { AuthConfig, authKey } from '../../src/vrrp/auth';

/** xorshift32: deterministic, so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function bytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r() & 0xff;
  return b;
}

function randomCase(r: () => number): { fields: AdvertFields; family: VrrpFamily; src: Uint8Array; dst: Uint8Array; auth?: AuthConfig } {
  const version: VrrpVersion = r() % 2 === 0 ? 2 : 3;
  const family: VrrpFamily = version === 2 ? 4 : r() % 2 === 0 ? 4 : 6;
  const alen = family === 4 ? 4 : 16;
  const n = r() % 8;
  const addresses = Array.from({ length: n }, () => bytes(r, alen));
  const fields: AdvertFields = { version, vrid: r() % 256, priority: r() % 256, maxAdverInt: r() % (version === 3 ? 4096 : 256), addresses };
  const auth: AuthConfig | undefined = version === 2 && r() % 2 === 0 ? { type: 'pass', key: authKey(bytes(r, 1 + (r() % 8))) } : undefined;
  return { fields, family, src: bytes(r, alen), dst: bytes(r, alen), ...(auth ? { auth } : {}) };
}

test('decode(encode(x)) == x for random valid fields (v2/v3, IPv4/IPv6, PASS)', () => {
  const r = rng(0x5eed);
  for (let i = 0; i < 20_000; i++) {
    const c = randomCase(r);
    const opts = { family: c.family, src: c.src, dst: c.dst, ...(c.auth ? { auth: c.auth } : {}) };
    const buf = encodeAdvert(c.fields, opts);
    assert.equal(buf.length, advertLength(c.fields.version, c.family, c.fields.addresses.length));
    const ctx: DecodeContext = { family: c.family, src: c.src, dst: c.dst, ttl: 255, version: c.fields.version, ...(c.auth ? { auth: c.auth } : {}) };
    const d = decodeAdvert(buf, ctx);
    assert.deepEqual(
      { version: d.version, vrid: d.vrid, priority: d.priority, maxAdverInt: d.maxAdverInt, addresses: d.addresses.map((a) => [...a]) },
      { ...c.fields, addresses: c.fields.addresses.map((a) => [...a]) },
      `case ${i}`,
    );
  }
});

test('1,000,000 mutated packets: the decoders throw only VrrpDecodeError with a known reason', () => {
  const r = rng(0xbadc0de);
  const reasons = new Set<string>(DECODE_REASONS);
  const seen = new Map<string, number>();
  let accepted = 0;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // errors are thrown by the million here; stacks are not needed
  try {
    const seeds: { buf: Uint8Array; ctx: DecodeContext; ip: boolean }[] = [];
    for (let i = 0; i < 64; i++) {
      const c = randomCase(r);
      const ctx: DecodeContext = { family: c.family, src: c.src, dst: c.dst, ttl: 255, ...(c.auth ? { auth: c.auth } : {}) };
      if (c.family === 4 && i % 4 === 0) {
        const auth: AuthConfig = i % 32 === 0 ? { type: 'ah', key: authKey('k') } : c.auth ?? { type: 'none' };
        const f = { ...c.fields, version: 2 as const, maxAdverInt: c.fields.maxAdverInt & 0xff };
        seeds.push({ buf: encodeIpv4Advert(f, { family: 4, src: c.src, dst: c.dst, auth, ipId: i, ahSequence: i }), ctx: { ...ctx, auth }, ip: true });
      } else {
        seeds.push({ buf: encodeAdvert(c.fields, { family: c.family, src: c.src, dst: c.dst, ...(c.auth ? { auth: c.auth } : {}) }), ctx, ip: false });
      }
    }
    const scratch = new Uint8Array(512);
    for (let i = 0; i < 1_000_000; i++) {
      const s = seeds[i & 63]!;
      const m = r();
      let len = s.buf.length;
      scratch.set(s.buf);
      const kind = m & 3;
      if (kind === 0) len = (m >>> 2) % (s.buf.length + 1); // truncate
      else if (kind === 1) { // extend with noise
        const extra = 1 + ((m >>> 2) % 40);
        for (let k = 0; k < extra; k++) scratch[len + k] = r() & 0xff;
        len += extra;
      }
      const flips = 1 + ((m >>> 8) % 4);
      for (let k = 0; k < flips && len > 0; k++) scratch[r() % len] = r() & 0xff; // corrupt bytes
      const view = scratch.subarray(0, len);
      try {
        if (s.ip) decodeIpv4Advert(view, s.ctx.auth ? { auth: s.ctx.auth } : {});
        else decodeAdvert(view, (m & 0x10000) !== 0 ? { ...s.ctx, ttl: m & 0xff } : s.ctx);
        accepted++;
      } catch (e) {
        if (!(e instanceof VrrpDecodeError) || !reasons.has(e.reason)) throw e;
        seen.set(e.reason, (seen.get(e.reason) ?? 0) + 1);
      }
    }
  } finally {
    Error.stackTraceLimit = limit;
  }
  // Sanity: the mutations reach deep into the validation order, not only the first check.
  for (const reason of ['too-short', 'bad-version', 'bad-type', 'bad-length', 'bad-ttl', 'bad-checksum', 'bad-ip-header']) {
    assert.ok((seen.get(reason) ?? 0) > 0, `no mutation produced ${reason}`);
  }
  assert.ok(accepted > 0);
});
