// One Instance against a fake VrrpIo: AH adverts built whole (IP header, AH, VRRP) on a header-included sender, the shared anti-replay counter, the two-owners rule keeping base priority 254, discard reasons counted.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { newVrrpInstance, type VrrpInstance } from '../../../src/config/model/vrrp';
import { Instance, type InstanceDeps, type InstanceEnv } from '../../../src/vrrp/instance';
import type { AdvertSender, PacketHandler, VrrpIo } from '../../../src/vrrp/io';
import type { VipSet } from '../../../src/vrrp/vip';
import { PacketSocketPool } from '../../../src/vrrp/garp';
import { decodeIpv4Advert, encodeIpv4Advert, type AdvertFields } from '../../../src/vrrp/packet';
import { authKey } from '../../../src/vrrp/auth';
import type { SendTarget, VrrpPacket } from '../../../src/sys/vrrp-socket';
import type { StateLog } from '../../../src/core/state-log';
import type { VirtualAddress } from '../../../src/config/model/ip';
import { parseIpPrefix } from '../../../src/net/ip';

const loc = { file: 'k.conf', line: 1, col: 1 };
const ME = Uint8Array.of(192, 0, 2, 11);
const PEER = Uint8Array.of(192, 0, 2, 13);
const GROUP = Uint8Array.of(224, 0, 0, 18);
const KEY = authKey('secret');

/** Records what the instance asks of its io. */
class FakeIo {
  registered: { protocol: number; handler: PacketHandler } | null = null;
  senderOpts: { protocol: number } | undefined;
  readonly sent: Buffer[] = [];

  register(_f: 4 | 6, _n: string, _i: number, _vrid: number, h: PacketHandler, _g: string | null, protocol = 112): void {
    this.registered = { protocol, handler: h };
  }

  unregister(): void {
    this.registered = null;
  }

  acquireSender(_f: 4 | 6, _n: string, _i: number, _ttl?: number, hdr?: { readonly protocol: number }): AdvertSender {
    this.senderOpts = hdr;
    const sent = this.sent;
    return {
      target: (dst: string): SendTarget => ({ dst: Buffer.from(dst.split('.').map(Number)), ifindex: 0, src: null }),
      trySend: (buf: Uint8Array, length: number): number => {
        sent.push(Buffer.from(buf.subarray(0, length)));
        return length;
      },
      close: () => undefined,
    };
  }

  releaseSender(): void {}
}

function setup(priority: number, more: Partial<VrrpInstance> = {}): { inst: Instance; io: FakeIo; logs: string[] } {
  const cfg: VrrpInstance = { ...newVrrpInstance('VI_1', loc), vrid: 51, interface: 'eth0', priority, version: 2, family: 4, advertIntUs: 1_000_000, ...more };
  cfg.auth = { loc, type: 'AH', password: 'secret' };
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({
    write(chunk: Buffer, _e, cb): void {
      logs.push((JSON.parse(chunk.toString('utf8')) as { msg: string }).msg);
      cb();
    },
  }));
  const io = new FakeIo();
  const noop = async (): Promise<void> => undefined;
  const vips = { addAddresses: async () => 0, removeAddresses: noop, routes: noop, rules: noop } as unknown as VipSet;
  const stateLog: StateLog = {
    vrrpState: (n, s) => {
      logs.push(`(${n}) Entering ${s} STATE`);
    },
    syncGroup: () => undefined,
    checkerChange: () => undefined,
  };
  const deps: InstanceDeps = { io: io as unknown as VrrpIo, pool: new PacketSocketPool(), vips, log, stateLog, keepVipsOnStop: false };
  const env: InstanceEnv = { ifname: 'eth0', ifindex: 2, mac: Uint8Array.of(2, 0, 0, 0, 0, 1), primary: ME, vmac: null, mcastGroup: GROUP, garpIntervalUs: 0, gnaIntervalUs: 0 };
  return { inst: new Instance(cfg, env, deps), io, logs };
}

/** A received AH packet as the socket hands it over: payload is a view just past the IP header. */
function ahPacket(priority: number, seq: number, key = KEY): VrrpPacket {
  const f: AdvertFields = { version: 2, vrid: 51, priority, maxAdverInt: 1, addresses: [] };
  const pkt = encodeIpv4Advert(f, { family: 4, src: PEER, dst: GROUP, auth: { type: 'ah', key }, ipId: 7, ahSequence: seq });
  return {
    family: 4, payload: pkt.subarray(20), src: '192.0.2.13', srcBytes: Buffer.from(PEER), dst: '224.0.0.18', dstBytes: Buffer.from(GROUP), dstKnown: true,
    ifindex: 2, ttl: 255, tos: 0xc0, ipv4: { headerLength: 20, tos: 0xc0, totalLength: pkt.length, id: 7, ttl: 255, protocol: 51 }, truncated: false,
  };
}

function decodeSent(b: Buffer): { priority: number; seq: number; id: number } {
  const a = decodeIpv4Advert(b, { version: 2, auth: { type: 'ah', key: KEY } });
  return { priority: a.priority, seq: a.ahSequence ?? -1, id: b.readUInt16BE(4) };
}

test('AH instance: registers for protocol 51, sends whole IPv4 packets on a header-included sender, ids and sequence count from 1', async () => {
  const { inst, io } = setup(255);
  inst.start(true);
  try {
    assert.equal(io.registered?.protocol, 51);
    assert.deepEqual(io.senderOpts, { protocol: 51 });
    assert.equal(inst.state.state, 'master');
    assert.equal(io.sent.length, 1);
    const first = io.sent[0]!;
    assert.equal(first[0], 0x45);
    assert.equal(first[1], 0xc0, 'TOS 0xc0 as keepalived');
    assert.equal(first[9], 51, 'IP protocol AH');
    assert.deepEqual(Array.from(first.subarray(12, 16)), Array.from(ME));
    assert.deepEqual(decodeSent(first), { priority: 255, seq: 1, id: 1 });
  } finally {
    await inst.stop();
  }
});

test('AH anti-replay: a sequence number must rise; replays and older numbers dropped and counted, wrong keys are auth failures', async () => {
  const { inst, logs } = setup(150);
  inst.start(true);
  try {
    assert.equal(inst.state.state, 'backup');
    inst.onPacket(ahPacket(200, 40));
    assert.equal(inst.stats.advertRcvd, 1);
    inst.onPacket(ahPacket(200, 40));
    assert.equal(inst.stats.drops['ah-replay'], 1);
    assert.ok(logs.some((l) => /IPSEC-AH : sequence number 40 already processed\. Packet dropped\. Local\(40\)/.test(l)), logs.join('\n'));
    inst.onPacket(ahPacket(200, 39));
    assert.equal(inst.stats.drops['ah-replay'], 2);
    // A wrong key is an auth failure, never a counter update.
    inst.onPacket(ahPacket(200, 1000, authKey('other')));
    assert.equal(inst.stats.drops['auth-failure'], 1);
    inst.onPacket(ahPacket(200, 41));
    assert.equal(inst.stats.advertRcvd, 2);
  } finally {
    await inst.stop();
  }
});

test('two owners: CONFIGURATION ERROR logged, BACKUP, and tracking works from base 254 afterwards; a lower-priority advert gets a reply continuing the sequence', async () => {
  const { inst, io, logs } = setup(255);
  inst.start(true);
  try {
    assert.equal(inst.state.state, 'master');
    inst.onPacket(ahPacket(100, 50));
    const reply = decodeSent(io.sent.at(-1)!);
    assert.equal(reply.priority, 255);
    assert.equal(reply.seq, 51, 'the reply continues after the sequence heard');
    inst.onPacket(ahPacket(255, 60));
    assert.ok(logs.some((l) => l === '(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority'), logs.join('\n'));
    assert.equal(inst.state.state, 'backup');
    assert.equal(inst.state.effectivePriority, 254);
    // Owners ignore tracking; a 254 does not: base 254 - 10.
    inst.setTrackState({ fault: false, priorityDelta: -10 });
    assert.equal(inst.state.effectivePriority, 244);
    inst.setTrackState({ fault: false, priorityDelta: 0 });
    assert.equal(inst.state.effectivePriority, 254, 'back to 254, not 255');
  } finally {
    await inst.stop();
  }
});

test('address list mismatch is passed to the state machine: ignored by a MASTER, counted as addr-list, logged as keepalived does', async () => {
  const { inst, io, logs } = setup(255);
  inst.start(true);
  try {
    const f: AdvertFields = { version: 2, vrid: 51, priority: 100, maxAdverInt: 1, addresses: [Uint8Array.of(192, 0, 2, 200)] };
    const pkt = encodeIpv4Advert(f, { family: 4, src: PEER, dst: GROUP, auth: { type: 'ah', key: KEY }, ipId: 9, ahSequence: 70 });
    const before = io.sent.length;
    inst.onPacket({ ...ahPacket(100, 70), payload: pkt.subarray(20), ipv4: { headerLength: 20, tos: 0xc0, totalLength: pkt.length, id: 9, ttl: 255, protocol: 51 } });
    assert.equal(inst.stats.drops['addr-list'], 1);
    assert.equal(io.sent.length, before, 'no reply to a discarded advert');
    assert.ok(logs.includes('(VI_1) received an invalid ip number count 1, expected 0! (from 192.0.2.13)'), logs.join('\n'));
    assert.equal(inst.state.state, 'master');
  } finally {
    await inst.stop();
  }
});

test('skip_check_adv_addr skips the per-address comparison only: a wrong address count from the known master is still refused (keepalived vrrp_in_chk)', async () => {
  const VIP = Uint8Array.of(192, 0, 2, 100);
  const p = parseIpPrefix('192.0.2.100/32')!;
  const vip: VirtualAddress = {
    loc, text: '192.0.2.100/32', address: p, dev: 'eth0', family: 4, devExplicit: true, broadcast: null, scope: 0, label: null, peer: null,
    flags: { home: false, noNodad: false, mngtmpaddr: false, noprefixroute: false, autojoin: false },
    noTrack: false, preferredLft: null, useVmac: false, trackGroup: null,
  };
  const { inst, logs } = setup(100, { skipCheckAdvAddr: true, vips: [vip] });
  inst.start(true);
  try {
    const advert = (addresses: Uint8Array[], seq: number): VrrpPacket => {
      const pkt = encodeIpv4Advert({ version: 2, vrid: 51, priority: 200, maxAdverInt: 1, addresses }, { family: 4, src: PEER, dst: GROUP, auth: { type: 'ah', key: KEY }, ipId: seq, ahSequence: seq });
      return { ...ahPacket(200, seq), payload: pkt.subarray(20), ipv4: { headerLength: 20, tos: 0xc0, totalLength: pkt.length, id: seq, ttl: 255, protocol: 51 } };
    };
    inst.onPacket(advert([VIP], 10));
    assert.equal(inst.state.state, 'backup');
    const rcvd = inst.stats.advertRcvd;
    const down = inst.state.timers.masterDown;
    await new Promise((r) => setTimeout(r, 5));
    inst.onPacket(advert([VIP, Uint8Array.of(192, 0, 2, 101)], 11));
    assert.equal(inst.stats.drops['addr-list'], 1, 'refused');
    assert.equal(inst.stats.advertRcvd, rcvd, 'not counted as an advert');
    assert.equal(inst.state.timers.masterDown, down, 'the master-down timer is not reset');
    assert.ok(logs.includes('(VI_1) received an invalid ip number count 2, expected 1! (from 192.0.2.13)'), logs.join('\n'));
    // The right count with another address, from the master last heard: skipped check, accepted.
    inst.onPacket(advert([Uint8Array.of(192, 0, 2, 250)], 12));
    assert.equal(inst.stats.drops['addr-list'], 1);
    assert.ok(inst.state.timers.masterDown! > down!, 'accepted: the timer is reset');
  } finally {
    await inst.stop();
  }
});
