// The interop harness's pcap reader against keepalived 2.2.7's golden frames (lab README §6): both byte orders, µs and ns timestamps.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ipv6Text, readPcap } from '../../helpers/pcap';

// Frames captured from keepalived 2.2.7 in the lab (v2 master with auth PASS, v3 master, GARP).
const V2_MASTER = '01005e000012026b6c000001080045c0002800010000ff701887c000020be000001221339601010100f3c00002646b6c353170617373';
const V3_MASTER = '01005e000012026b6c000001080045c0002000010000ff70188fc000020be000001231339601000ad3c1c0000264';
const GARP = 'ffffffffffff026b6c00000108060001080006040001026b6c000001c0000264ffffffffffffc0000264';

function pcapFile(frames: ReadonlyArray<{ hex: string; sec: number; frac: number }>, opts: { le: boolean; nano: boolean }): string {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number): void => {
    if (opts.le) b.writeUInt32LE(v, o);
    else b.writeUInt32BE(v, o);
  };
  const w16 = (b: Buffer, v: number, o: number): void => {
    if (opts.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  };
  w32(h, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 262144, 16);
  w32(h, 1, 20);
  parts.push(h);
  for (const f of frames) {
    const data = Buffer.from(f.hex, 'hex');
    const r = Buffer.alloc(16);
    w32(r, f.sec, 0);
    w32(r, f.frac, 4);
    w32(r, data.length, 8);
    w32(r, data.length, 12);
    parts.push(r, data);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tska-pcap-')), 'x.pcap');
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

for (const le of [true, false]) {
  for (const nano of [false, true]) {
    test(`readPcap decodes keepalived's v2/v3 adverts and GARP (${le ? 'little' : 'big'}-endian, ${nano ? 'ns' : 'µs'})`, () => {
      const frac = nano ? 250_000_000 : 250_000;
      const file = pcapFile([{ hex: V2_MASTER, sec: 100, frac }, { hex: V3_MASTER, sec: 101, frac }, { hex: GARP, sec: 102, frac: 0 }], { le, nano });
      const c = readPcap(file);
      assert.equal(c.frames, 3);
      assert.equal(c.adverts.length, 2);
      const [v2, v3] = c.adverts;
      assert.equal(v2!.t, 100_250);
      assert.deepEqual(
        { family: v2!.family, src: v2!.src, dst: v2!.dst, ttl: v2!.ttl, version: v2!.version, type: v2!.type, vrid: v2!.vrid, priority: v2!.priority, count: v2!.count, authType: v2!.authType, interval: v2!.interval, addresses: v2!.addresses, checksum: v2!.checksum, srcMac: v2!.srcMac },
        { family: 4, src: '192.0.2.11', dst: '224.0.0.18', ttl: 255, version: 2, type: 1, vrid: 51, priority: 150, count: 1, authType: 1, interval: 1, addresses: ['192.0.2.100'], checksum: 0x00f3, srcMac: '02:6b:6c:00:00:01' },
      );
      assert.equal(v3!.version, 3);
      assert.equal(v3!.interval, 10);
      assert.equal(v3!.authType, undefined);
      assert.equal(v3!.checksum, 0xd3c1);
      assert.equal(v3!.t, 101_250);
      assert.equal(c.arps.length, 1);
      assert.deepEqual(c.arps[0], { t: 102_000, srcMac: '02:6b:6c:00:00:01', dstMac: 'ff:ff:ff:ff:ff:ff', op: 1, senderMac: '02:6b:6c:00:00:01', senderIp: '192.0.2.100', targetIp: '192.0.2.100' });
    });
  }
}

test('ipv6Text compresses the longest zero run (RFC 5952)', () => {
  assert.equal(ipv6Text(Buffer.from('fd000db8000000000000000000000100', 'hex'), 0), 'fd00:db8::100');
  assert.equal(ipv6Text(Buffer.from('ff020000000000000000000000000012', 'hex'), 0), 'ff02::12');
  assert.equal(ipv6Text(Buffer.from('fe80000000000000006b6cfffe000001', 'hex'), 0), 'fe80::6b:6cff:fe00:1');
  assert.equal(ipv6Text(Buffer.from('00010000000100000000000000000001', 'hex'), 0), '1:0:1::1');
});

test('readPcap rejects a file that is not a classic pcap', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tska-pcap-')), 'bad.pcap');
  fs.writeFileSync(file, Buffer.alloc(32, 0x0a));
  assert.throws(() => readPcap(file), /not a classic pcap/);
});

const LAB_CAPTURES = '/work/shared/lab/captures';
const labSkip = fs.existsSync(path.join(LAB_CAPTURES, 'keepalived-2.2.7-v6-na.pcap')) ? undefined : `the lab's golden captures are not in ${LAB_CAPTURES}`;

test("readPcap decodes the lab's captured keepalived IPv6 advert and unsolicited NA", { skip: labSkip }, () => {
  const adv = readPcap(path.join(LAB_CAPTURES, 'keepalived-2.2.7-v6-advert-master.pcap'));
  assert.equal(adv.adverts.length, 1);
  const a = adv.adverts[0]!;
  assert.deepEqual(
    { family: a.family, src: a.src, dst: a.dst, ttl: a.ttl, version: a.version, vrid: a.vrid, priority: a.priority, interval: a.interval, addresses: a.addresses, checksum: a.checksum },
    { family: 6, src: 'fe80::6b:6cff:fe00:1', dst: 'ff02::12', ttl: 255, version: 3, vrid: 52, priority: 150, interval: 100, addresses: ['fd00:db8::100'], checksum: 0xc322 },
  );
  const na = readPcap(path.join(LAB_CAPTURES, 'keepalived-2.2.7-v6-na.pcap'));
  assert.equal(na.nas.length, 1);
  const n = na.nas[0]!;
  assert.deepEqual({ target: n.target, dst: n.dst, hopLimit: n.hopLimit, flags: n.flags, srcMac: n.srcMac }, { target: 'fd00:db8::100', dst: 'ff02::1', hopLimit: 255, flags: 0x20, srcMac: '02:6b:6c:00:00:01' });
});
