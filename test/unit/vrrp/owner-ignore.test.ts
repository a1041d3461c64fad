// owner_ignore_adverts through a running Instance (fake io): an address owner drops every advert, counts it in stats and logs keepalived's line once; without the option it answers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { newVrrpInstance, type VrrpInstance } from '../../../src/config/model/vrrp';
import { Instance, type InstanceDeps, type InstanceEnv } from '../../../src/vrrp/instance';
import type { AdvertSender, VrrpIo } from '../../../src/vrrp/io';
import type { VipSet } from '../../../src/vrrp/vip';
import { PacketSocketPool } from '../../../src/vrrp/garp';
import { encodeIpv4Advert } from '../../../src/vrrp/packet';
import type { SendTarget, VrrpPacket } from '../../../src/sys/vrrp-socket';
import type { StateLog } from '../../../src/core/state-log';

const loc = { file: 'k.conf', line: 1, col: 1 };
const ME = Uint8Array.of(192, 0, 2, 11);
const PEER = Uint8Array.of(192, 0, 2, 13);
const GROUP = Uint8Array.of(224, 0, 0, 18);

function setup(ownerIgnoreAdverts: boolean): { inst: Instance; sent: Buffer[]; logs: string[] } {
  const cfg: VrrpInstance = { ...newVrrpInstance('VI_1', loc), vrid: 51, interface: 'eth0', priority: 255, version: 2, family: 4, advertIntUs: 1_000_000, ownerIgnoreAdverts };
  const logs: string[] = [];
  const log = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _e, cb): void {
      logs.push((JSON.parse(chunk.toString('utf8')) as { msg: string }).msg);
      cb();
    },
  }));
  const sent: Buffer[] = [];
  const sender: AdvertSender = {
    target: (): SendTarget => ({ dst: Buffer.from(GROUP), ifindex: 2, src: null }),
    trySend: (buf: Uint8Array, length: number): number => {
      sent.push(Buffer.from(buf.subarray(0, length)));
      return length;
    },
    close: () => undefined,
  };
  const io = { register: () => undefined, unregister: () => undefined, acquireSender: () => sender, releaseSender: () => undefined } as unknown as VrrpIo;
  const noop = async (): Promise<void> => undefined;
  const vips = { addAddresses: async () => 0, removeAddresses: noop, routes: noop, rules: noop } as unknown as VipSet;
  const stateLog: StateLog = { vrrpState: () => undefined, syncGroup: () => undefined, checkerChange: () => undefined };
  const deps: InstanceDeps = { io, pool: new PacketSocketPool(), vips, log, stateLog, keepVipsOnStop: false };
  const env: InstanceEnv = { ifname: 'eth0', ifindex: 2, mac: Uint8Array.of(2, 0, 0, 0, 0, 1), primary: ME, vmac: null, mcastGroup: GROUP, garpIntervalUs: 0, gnaIntervalUs: 0 };
  return { inst: new Instance(cfg, env, deps), sent, logs };
}

function advert(priority: number): VrrpPacket {
  const pkt = encodeIpv4Advert({ version: 2, vrid: 51, priority, maxAdverInt: 1, addresses: [] }, { family: 4, src: PEER, dst: GROUP, ipId: 7 });
  return {
    family: 4, payload: pkt.subarray(20), src: '192.0.2.13', srcBytes: Buffer.from(PEER), dst: '224.0.0.18', dstBytes: Buffer.from(GROUP), dstKnown: true,
    ifindex: 2, ttl: 255, tos: 0xc0, ipv4: { headerLength: 20, tos: 0xc0, totalLength: pkt.length, id: 7, ttl: 255, protocol: 112 }, truncated: false,
  } as VrrpPacket;
}

test('owner_ignore_adverts: the owner stays MASTER at 255, sends nothing back, counts each drop, logs once', async () => {
  const { inst, sent, logs } = setup(true);
  inst.start(true);
  try {
    assert.equal(inst.state.state, 'master');
    const before = sent.length;
    for (const p of [0, 100, 255, 255]) inst.onPacket(advert(p));
    assert.equal(inst.stats.drops['owner-ignore-adverts'], 4);
    assert.equal(sent.length, before, 'no advert in reply to any of them');
    assert.equal(inst.state.state, 'master');
    assert.equal(inst.state.effectivePriority, 255);
    assert.deepEqual(logs.filter((l) => /address owner/.test(l)), ['(VI_1) Dropping packet(s) from 192.0.2.13 since we are address owner']);
  } finally {
    await inst.stop();
  }
});

test('without owner_ignore_adverts the owner answers a lower priority and yields to a second owner', async () => {
  const { inst, sent, logs } = setup(false);
  inst.start(true);
  try {
    const before = sent.length;
    inst.onPacket(advert(100));
    assert.equal(sent.length, before + 1);
    inst.onPacket(advert(255));
    assert.equal(inst.stats.drops['owner-ignore-adverts'], 0);
    assert.equal(inst.state.effectivePriority, 254);
    assert.ok(logs.some((l) => /CONFIGURATION ERROR/.test(l)));
  } finally {
    await inst.stop();
  }
});
