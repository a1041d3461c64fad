// The unsolicited neighbour advertisement a new IPv6 master sends, captured on the wire and compared field by field with the one keepalived sends in the same lab.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLan, netnsSkipReason } from '../../helpers/netns';
import { keepalivedSkipReason, keepalivedVersion, startDaemon, tempDir, vrrpConfig, type DaemonKind } from '../../helpers/daemons';
import { Capture, ipv6Text, tcpdumpSkipReason } from '../../helpers/pcap';
import { internetChecksum, pseudoHeaderSum6 } from '../../../src/net/checksum';

const skip = netnsSkipReason() ?? tcpdumpSkipReason();
const VIP6 = 'fd00:db8::100';

/** Every field of an Ethernet + IPv6 + ICMPv6 neighbour advertisement. */
interface NaFrame {
  readonly ethDst: string;
  readonly ethSrc: string;
  readonly ethType: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
  readonly icmpType: number;
  readonly code: number;
  readonly checksumOk: boolean;
  /** R (0x80), S (0x40), O (0x20) bits and the reserved rest, as the 32-bit word. */
  readonly flagsWord: number;
  readonly target: string;
  /** Options as [type, length in 8-byte units, hex of the data]. */
  readonly options: readonly (readonly [number, number, string])[];
}

function mac(b: Buffer, off: number): string {
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The neighbour advertisements of a classic pcap (Ethernet) file. */
function readNas(file: string): NaFrame[] {
  const b = fs.readFileSync(file);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: NaFrame[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = u32(o + 8);
    const f = b.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    if (f.length < 14 + 40 + 24 || f.readUInt16BE(12) !== 0x86dd || f[14 + 6] !== 58 || f[54] !== 136) continue;
    const plen = f.readUInt16BE(18);
    const icmp = f.subarray(54, 54 + plen);
    const vtf = f.readUInt32BE(14);
    const options: [number, number, string][] = [];
    for (let p = 24; p + 2 <= icmp.length && icmp[p + 1]! > 0;) {
      const len = icmp[p + 1]!;
      options.push([icmp[p]!, len, icmp.subarray(p + 2, p + len * 8).toString('hex')]);
      p += len * 8;
    }
    const sum = internetChecksum(icmp, 0, icmp.length, pseudoHeaderSum6(f.subarray(22, 38), f.subarray(38, 54), 58, icmp.length));
    out.push({
      ethDst: mac(f, 0), ethSrc: mac(f, 6), ethType: f.readUInt16BE(12),
      trafficClass: (vtf >>> 20) & 0xff, flowLabel: vtf & 0xfffff, payloadLength: plen, nextHeader: f[20]!, hopLimit: f[21]!,
      src: ipv6Text(f, 22), dst: ipv6Text(f, 38),
      icmpType: icmp[0]!, code: icmp[1]!, checksumOk: sum === 0, flagsWord: icmp.readUInt32BE(4), target: ipv6Text(icmp, 8), options,
    });
  }
  return out;
}

/** Runs one daemon as the only (so MASTER) node for the IPv6 VIP and returns the NAs the observer captured. */
async function masterNas(kind: DaemonKind): Promise<{ nas: NaFrame[]; nodeMac: string; linkLocal: string }> {
  const lan = createLan({ nodes: 2 });
  const dir = tempDir(`na-${kind}`);
  const [a, o] = lan.nodes;
  const cap = await Capture.start(o!.ns, 'eth0', path.join(dir, 'na.pcap'), 'icmp6');
  try {
    const conf = vrrpConfig('na_lab', [{
      name: 'VI_6', vrid: 52, priority: 150, advert: '1', version: 3, vips: [`${VIP6}/64 dev eth0`],
      extra: ['garp_master_delay 0', 'garp_master_repeat 2'],
    }]);
    const d = startDaemon({ kind, ns: a!.ns, name: kind, dir, config: conf });
    try {
      await d.waitLine(/\(VI_6\) Entering MASTER STATE/, 10_000);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await d.stop(3000);
    }
    await cap.stop();
    return { nas: readNas(path.join(dir, 'na.pcap')).filter((n) => n.target === VIP6 && n.ethSrc === a!.mac), nodeMac: a!.mac, linkLocal: a!.linkLocal };
  } finally {
    await cap.stop();
    lan.destroy();
  }
}

test('unsolicited NA of a new IPv6 master: to ff02::1, hop limit 255, Override only, target link-layer option = our MAC', { skip, timeout: 60_000 }, async () => {
  const { nas, nodeMac, linkLocal } = await masterNas('tskeepalived');
  assert.ok(nas.length >= 2, `NAs for ${VIP6}: ${nas.length}`);
  const na = nas[0]!;
  assert.equal(na.ethDst, '33:33:00:00:00:01');
  assert.equal(na.ethSrc, nodeMac);
  assert.equal(na.dst, 'ff02::1');
  // keepalived's ndisc_send_unsolicited_na sources it from the VIP itself (not the link-local); so do we.
  assert.equal(na.src, VIP6);
  assert.notEqual(na.src, linkLocal);
  assert.equal(na.hopLimit, 255, 'RFC 4861 §7.1.2');
  assert.equal(na.icmpType, 136);
  assert.equal(na.code, 0);
  assert.ok(na.checksumOk, 'ICMPv6 checksum');
  assert.equal(na.flagsWord, 0x20000000, 'Override only (not a router, unsolicited)');
  assert.deepEqual(na.options, [[2, 1, nodeMac.replace(/:/g, '')]], 'one target link-layer address option with our MAC');
  assert.equal(na.payloadLength, 32);
});

test(`unsolicited NA: every field equals ${keepalivedVersion()}'s in the same lab`, { skip: skip ?? keepalivedSkipReason(), timeout: 90_000 }, async () => {
  const theirs = await masterNas('keepalived');
  const ours = await masterNas('tskeepalived');
  assert.ok(theirs.nas.length >= 1 && ours.nas.length >= 1, `NAs: keepalived ${theirs.nas.length}, tskeepalived ${ours.nas.length}`);
  // Same node MAC and link-local in both labs (createLan assigns them), so every field must match.
  assert.equal(ours.nodeMac, theirs.nodeMac);
  const diff: string[] = [];
  const k = theirs.nas[0]!;
  const t = ours.nas[0]!;
  for (const f of Object.keys(k) as (keyof NaFrame)[]) {
    if (JSON.stringify(k[f]) !== JSON.stringify(t[f])) diff.push(`${f}: keepalived ${JSON.stringify(k[f])}, tskeepalived ${JSON.stringify(t[f])}`);
  }
  assert.deepEqual(diff, [], diff.join('\n'));
  console.log(`NA fields (both): ${JSON.stringify(t)}`);
  console.log(`NAs per master burst: keepalived ${theirs.nas.length}, tskeepalived ${ours.nas.length}`);
});
