// The namespace helper and withNetns: the thread really switches, comes back even on throw, and the LAN is wired as documented.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createLan, createNetns, deleteNetns, execIn, ipJson, netnsSkipReason, spawnIn, uniqueNsName, withNetns } from '../../helpers/netns';
import { currentNetnsId } from '../../../src/sys/netns';

const skip = netnsSkipReason();

test('withNetns enters the namespace and always returns', { skip }, () => {
  const ns = createNetns(uniqueNsName('wn'));
  try {
    const home = currentNetnsId();
    const inside = withNetns(ns, () => currentNetnsId());
    assert.notEqual(inside, home);
    assert.equal(inside, `net:[${fs.statSync(`/run/netns/${ns}`).ino}]`);
    assert.equal(currentNetnsId(), home);
    assert.throws(() => withNetns(ns, () => { throw new Error('boom'); }), /boom/);
    assert.equal(currentNetnsId(), home);
    assert.throws(() => withNetns(`${ns}-missing`, () => 1), (e: unknown) => (e as { code?: string }).code === 'ENOENT');
    assert.equal(currentNetnsId(), home);
  } finally {
    deleteNetns(ns);
  }
  assert.equal(fs.existsSync(`/run/netns/${ns}`), false);
});

test('createLan wires nodes to a bridge in its own namespace, DAD off, and destroy removes everything', { skip }, () => {
  const rootLinks = (): string[] => ipJson<Array<{ ifname: string }>>(['link', 'show']).map((l) => l.ifname).sort();
  const before = rootLinks();
  const lan = createLan({ nodes: 3 });
  const all = [lan.sw, ...lan.nodes.map((n) => n.ns)];
  try {
    const ports = ipJson<Array<{ ifname: string; master?: string }>>(['link', 'show', 'master', 'br0'], lan.sw);
    assert.deepEqual(ports.map((p) => p.ifname).sort(), ['p1', 'p2', 'p3']);
    lan.nodes.forEach((n, i) => {
      assert.equal(n.ipv4, `192.0.2.${11 + i}`);
      assert.match(n.linkLocal, /^fe80::/);
      assert.ok(n.ifindex > 0);
      const addrs = ipJson<Array<{ address: string; addr_info: Array<{ local: string; tentative?: boolean }> }>>(['addr', 'show', 'dev', 'eth0'], n.ns);
      assert.equal(addrs[0]?.address, n.mac);
      assert.ok(addrs[0]?.addr_info.some((a) => a.local === n.ipv6 && a.tentative !== true));
    });
    assert.deepEqual(rootLinks(), before, 'nothing created in the root namespace');
  } finally {
    lan.destroy();
  }
  for (const ns of all) assert.equal(fs.existsSync(`/run/netns/${ns}`), false, ns);
});

test('execIn and spawnIn run processes inside; deleteNetns kills the spawned ones by PID', { skip }, async () => {
  const ns = createNetns(uniqueNsName('ex'));
  try {
    const r = execIn(ns, 'cat', ['/proc/self/net/dev']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\blo:/);
    assert.doesNotMatch(r.stdout, /\beth0:|\bens\d/);
    const child = spawnIn(ns, 'sleep', ['60']);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    deleteNetns(ns);
    assert.equal(await exited, 'SIGKILL');
  } finally {
    deleteNetns(ns);
  }
});
