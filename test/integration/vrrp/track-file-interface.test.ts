// Integration: track_file reacts to writes, init_file and deletion; track_interface sees a veth go down and up in a namespace we create.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileTracker } from '../../../src/vrrp/track/track-file';
import { LinkWatcher, createNetlinkLinkSource } from '../../../src/vrrp/track/track-interface';
import { createNetns, deleteNetns, ip, netnsSkipReason, uniqueNsName, waitFor, withNetns } from '../../helpers/netns';

test('track_file: init_file, writes, atomic replace and deletion', { timeout: 20_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-tf-'));
  const file = path.join(dir, 'prio');
  const values: number[] = [];
  const t = new FileTracker({ name: 'tf', file, init: { value: 4, overwrite: false } }, (v) => values.push(v));
  try {
    await t.start();
    assert.equal(fs.readFileSync(file, 'utf8').trim(), '4', 'init_file created it');
    assert.equal(t.value, 4);
    fs.writeFileSync(file, '12\n');
    await waitFor(() => t.value === 12, 5000);
    fs.writeFileSync(`${file}.new`, '-3\n');
    fs.renameSync(`${file}.new`, file);
    await waitFor(() => t.value === -3, 5000);
    fs.unlinkSync(file);
    await waitFor(() => t.value === 0, 5000);
    assert.deepEqual(values, [12, -3, 0]);
  } finally {
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('track_interface: a veth going down and up in a private namespace', { skip: netnsSkipReason(), timeout: 30_000 }, async () => {
  const ns = createNetns(uniqueNsName('trackif'));
  let w: LinkWatcher | null = null;
  try {
    ip(['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'], ns);
    ip(['link', 'set', 'va', 'up'], ns);
    ip(['link', 'set', 'vb', 'up'], ns);
    const seen: Array<[string, boolean]> = [];
    w = new LinkWatcher(new Set(['va', 'nope0']), (n, up) => seen.push([n, up]), () => withNetns(ns, () => createNetlinkLinkSource()));
    await w.start();
    await waitFor(() => w!.isUp('va'), 5000);
    assert.equal(w.isUp('nope0'), false, 'a missing interface is down');

    ip(['link', 'set', 'vb', 'down'], ns); // va loses its carrier: IFF_RUNNING off
    await waitFor(() => !w!.isUp('va'), 5000);
    ip(['link', 'set', 'vb', 'up'], ns);
    await waitFor(() => w!.isUp('va'), 5000);
    ip(['link', 'set', 'va', 'down'], ns);
    await waitFor(() => !w!.isUp('va'), 5000);
    ip(['link', 'set', 'va', 'up'], ns);
    await waitFor(() => w!.isUp('va'), 5000);
    ip(['link', 'del', 'va'], ns);
    await waitFor(() => !w!.isUp('va'), 5000);
    const va = seen.filter(([n]) => n === 'va').map(([, u]) => u);
    assert.deepEqual(va, [true, false, true, false, true, false]);
  } finally {
    w?.stop();
    deleteNetns(ns);
  }
});
