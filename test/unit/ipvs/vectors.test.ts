// Golden IPVS netlink vectors captured from ipvsadm 1.31 and Linux 6.1: our encoder must produce the same bytes, our decoder the same values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import {
  decodeDaemon, decodeDest, decodeInfo, decodeService, decodeTimeouts, encodeDaemonAttr, encodeDestAttr,
  encodeServiceAttr, encodeTimeouts, nestOf, type IpvsDaemon, type IpvsDest, type IpvsService,
} from '../../../src/ipvs/attrs';
import * as K from '../../../src/ipvs/constants';
import { decodeErrorPayload, decodeGenlPayload, decodeMessages, encodeGenlPayload, encodeMessage, NLM_F_MULTI } from '../../../src/netlink/message';
import { decodeFamily, encodeGetFamily } from '../../../src/netlink/genl';
import { errnoName } from '../../../src/netlink/errors';

interface Vector {
  name: string;
  run: string;
  argv: string;
  direction: 'sent' | 'received';
  hex: string;
  decoded: Record<string, unknown>;
}
const file = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/vectors/ipvs/ipvs-vectors.json'), 'utf8')) as { familyId: number; vectors: Vector[] };
const vec = (name: string): { v: Vector; bytes: Buffer } => {
  const v = file.vectors.find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return { v, bytes: Buffer.from(v.hex, 'hex') };
};
const stripStats = <T extends object>(x: T): Omit<T, 'stats'> => {
  const { stats: _s, ...rest } = x as T & { stats?: unknown };
  return rest;
};

/** Re-encodes a request the way IpvsClient does, with the captured header's seq/pid. */
function reencode(bytes: Buffer, attrs: Buffer[]): Buffer {
  const [m] = decodeMessages(bytes);
  assert.ok(m);
  const cmd = decodeGenlPayload(m.payload).cmd;
  return encodeMessage({ ...m, payload: encodeGenlPayload(cmd, K.IPVS_GENL_VERSION, attrs) });
}

for (const name of ['new-service-tcp4', 'new-service-udp6-sh', 'new-service-fwmark-pe', 'new-service-sctp-mh']) {
  test(`NEW_SERVICE ${name}: byte-identical to ipvsadm`, () => {
    const { v, bytes } = vec(name);
    const svc = v.decoded.service as IpvsService;
    assert.equal(reencode(bytes, [encodeServiceAttr(svc, true)]).toString('hex'), v.hex);
    // and it decodes back to the same description
    const [m] = decodeMessages(bytes);
    const nest = nestOf(decodeGenlPayload(m!.payload).attrs, K.IPVS_CMD_ATTR_SERVICE)!;
    const { rawFlags: _r, ...back } = decodeService(nest);
    assert.deepEqual(back, svc);
  });
}

for (const name of ['new-dest-nat', 'set-dest', 'new-dest-dr6', 'new-dest-tun-gue']) {
  test(`${name}: the destination attribute is byte-identical to ipvsadm's`, () => {
    const { v, bytes } = vec(name);
    const d = v.decoded.dest as IpvsDest;
    const [m] = decodeMessages(bytes);
    const g = decodeGenlPayload(m!.payload);
    assert.equal(g.cmd, v.decoded.cmd === 'IPVS_CMD_SET_DEST' ? K.IPVS_CMD_SET_DEST : K.IPVS_CMD_NEW_DEST);
    const theirs = nestOf(g.attrs, K.IPVS_CMD_ATTR_DEST)!;
    assert.equal(encodeDestAttr(d, true).subarray(4).toString('hex'), theirs.toString('hex'));
    const { activeConns: _a, inactiveConns: _i, persistentConns: _p, ...back } = decodeDest(theirs, 'inet');
    assert.deepEqual(back, d);
  });
}

test('SET_CONFIG and NEW_DAEMON: byte-identical to ipvsadm', () => {
  const sc = vec('set-config');
  assert.equal(reencode(sc.bytes, encodeTimeouts(sc.v.decoded.timeouts as { tcp: number; tcpFin: number; udp: number })).toString('hex'), sc.v.hex);
  const nd = vec('new-daemon');
  assert.equal(reencode(nd.bytes, [encodeDaemonAttr(nd.v.decoded.daemon as IpvsDaemon, true)]).toString('hex'), nd.v.hex);
});

test('GET_SERVICE dump reply: several NLM_F_MULTI services in one datagram', () => {
  const { v, bytes } = vec('get-service-dump-reply');
  const msgs = decodeMessages(bytes);
  const services = msgs.map((m) => {
    assert.equal(m.flags & NLM_F_MULTI, NLM_F_MULTI);
    assert.equal(m.type, file.familyId);
    return decodeService(nestOf(decodeGenlPayload(m.payload).attrs, K.IPVS_CMD_ATTR_SERVICE)!);
  });
  for (const s of services) assert.deepEqual(s.stats, { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n });
  const want = v.decoded.services as object[];
  assert.deepEqual(services.map(stripStats).sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key))),
    [...want].sort((a, b) => JSON.stringify((a as { key: unknown }).key).localeCompare(JSON.stringify((b as { key: unknown }).key))));
});

test('GET_DEST dump reply: a GUE tunnel destination with counters', () => {
  const { v, bytes } = vec('get-dest-dump-reply-tun');
  const [m] = decodeMessages(bytes);
  const d = decodeDest(nestOf(decodeGenlPayload(m!.payload).attrs, K.IPVS_CMD_ATTR_DEST)!, 'inet');
  assert.equal(d.stats?.inBytes, 0n);
  assert.deepEqual([stripStats(d)], v.decoded.dests);
});

test('NLMSG_ERROR replies carry the negated errno and echo the request', () => {
  for (const name of ['error-esrch', 'error-eexist']) {
    const { v, bytes } = vec(name);
    const [m] = decodeMessages(bytes);
    const e = decodeErrorPayload(m!);
    assert.equal(e.error, v.decoded.error);
    assert.equal(errnoName(-e.error), v.decoded.errnoName);
    assert.equal(e.request.type, file.familyId);
    assert.equal(e.request.seq, m!.seq);
  }
});

test('GET_INFO, GET_CONFIG and GET_DAEMON replies decode', () => {
  const gi = vec('get-info-reply');
  assert.deepEqual(decodeInfo(decodeGenlPayload(decodeMessages(gi.bytes)[0]!.payload).attrs), gi.v.decoded.info);
  const gc = vec('get-config-reply');
  assert.deepEqual(decodeTimeouts(decodeGenlPayload(decodeMessages(gc.bytes)[0]!.payload).attrs), gc.v.decoded.timeouts);
  const gd = vec('get-daemon-reply');
  const nest = nestOf(decodeGenlPayload(decodeMessages(gd.bytes)[0]!.payload).attrs, K.IPVS_CMD_ATTR_DAEMON)!;
  assert.deepEqual([decodeDaemon(nest)], gd.v.decoded.daemons);
});

test('controller: GETFAMILY request is byte-identical to libnl, the answer decodes', () => {
  const req = vec('ctrl-getfamily-ipvs');
  const [m] = decodeMessages(req.bytes);
  assert.equal(encodeMessage({ ...m!, payload: encodeGetFamily('IPVS') }).toString('hex'), req.v.hex);
  const rep = vec('ctrl-newfamily-ipvs');
  const f = decodeFamily(decodeMessages(rep.bytes)[0]!.payload);
  const want = rep.v.decoded.family as { id: number; name: string; version: number; maxAttr: number; opsCount: number };
  assert.deepEqual({ id: f.id, name: f.name, version: f.version, maxAttr: f.maxAttr, opsCount: f.ops.length }, want);
  assert.ok(f.ops.includes(K.IPVS_CMD_NEW_SERVICE) && f.ops.includes(K.IPVS_CMD_FLUSH));
});
