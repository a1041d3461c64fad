// Unit tests of the tracking drivers with fakes: link messages, the link watcher, the script scheduler on a fake clock, and the Tracker's per-instance verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '../../../src/core/clock';
import { decodeLinkMessage, LinkWatcher, RTM_DELLINK, RTM_NEWLINK, IFF_UP, IFF_RUNNING, type LinkEvent, type LinkSource } from '../../../src/vrrp/track/track-interface';
import { ScriptTracker } from '../../../src/vrrp/track/track-script';
import type { RunningScript, ScriptOutcome } from '../../../src/vrrp/track/run-script';
import { Tracker, type InstanceTrackState } from '../../../src/vrrp/track/tracker';
import { emptyVrrpConfig, newVrrpInstance } from '../../../src/config/model/vrrp';
import { FakeClock } from '../../helpers/fake-clock';

/** A core Clock (milliseconds) on the test helper's fake clock (microseconds). */
function msClock(fc: FakeClock): Clock {
  return {
    now: () => fc.now() / 1000,
    wallNow: () => new Date(0),
    setTimer(ms: number, fn: () => void): TimerHandle {
      const id = fc.setTimer(fc.now() + ms * 1000, fn);
      return { cancel: () => fc.cancel(id) };
    },
  };
}

function linkPayload(index: number, flags: number, name: string): Buffer {
  const nameBuf = Buffer.from(`${name}\0`);
  const attrLen = 4 + nameBuf.length;
  const b = Buffer.alloc(16 + ((attrLen + 3) & ~3));
  b.writeUInt8(0, 0);
  b.writeUInt16LE(1, 2);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt16LE(attrLen, 16);
  b.writeUInt16LE(3, 18);
  nameBuf.copy(b, 20);
  return b;
}

test('decodeLinkMessage reads index, flags and IFLA_IFNAME; up needs IFF_UP and IFF_RUNNING', () => {
  const up = decodeLinkMessage(RTM_NEWLINK, linkPayload(7, IFF_UP | IFF_RUNNING, 'veth0'));
  assert.deepEqual(up, { ifindex: 7, ifname: 'veth0', exists: true, flags: IFF_UP | IFF_RUNNING, up: true });
  assert.equal(decodeLinkMessage(RTM_NEWLINK, linkPayload(7, IFF_UP, 'veth0'))?.up, false, 'no carrier');
  assert.equal(decodeLinkMessage(RTM_DELLINK, linkPayload(7, IFF_UP | IFF_RUNNING, 'veth0'))?.up, false);
  assert.equal(decodeLinkMessage(20, linkPayload(7, 0, 'x')), null);
  assert.equal(decodeLinkMessage(RTM_NEWLINK, Buffer.alloc(8)), null);
});

test('LinkWatcher: dump, then events; missing interfaces are down; only changes are reported', async () => {
  let deliver: ((t: number, p: Buffer) => void) | null = null;
  const dump: LinkEvent[] = [{ ifindex: 2, ifname: 'eth0', exists: true, flags: IFF_UP | IFF_RUNNING, up: true }];
  const src: LinkSource = { subscribe: (cb) => void (deliver = cb), dump: async () => dump, close: () => undefined };
  const seen: Array<[string, boolean]> = [];
  const w = new LinkWatcher(new Set(['eth0', 'eth9']), (n, u) => seen.push([n, u]), () => src);
  await w.start();
  assert.deepEqual(seen, [['eth0', true], ['eth9', false]]);
  deliver!(RTM_NEWLINK, linkPayload(2, IFF_UP, 'eth0'));
  deliver!(RTM_NEWLINK, linkPayload(2, IFF_UP, 'eth0'));
  deliver!(RTM_NEWLINK, linkPayload(9, IFF_UP | IFF_RUNNING, 'eth9'));
  deliver!(RTM_DELLINK, linkPayload(9, IFF_UP | IFF_RUNNING, 'eth9'));
  assert.deepEqual(seen.slice(2), [['eth0', false], ['eth9', true], ['eth9', false]]);
  assert.equal(w.isUp('eth0'), false);
});

/** Fake script processes: each run waits until the test settles it. */
class FakeRuns {
  readonly pending: Array<(o: ScriptOutcome) => void> = [];
  runs = 0;
  readonly run = (): RunningScript => {
    this.runs++;
    let settle!: (o: ScriptOutcome) => void;
    const done = new Promise<ScriptOutcome>((r) => (settle = r));
    this.pending.push(settle);
    return { pid: 1, done, abort: () => settle({ type: 'timeout' }) };
  };
  finish(code: number): void {
    this.pending.shift()!({ type: 'exit', code });
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('ScriptTracker: runs at start and every interval, never two at once, applies fall and rise', async () => {
  const fc = new FakeClock();
  const runs = new FakeRuns();
  const ups: Array<boolean | null> = [];
  const t = new ScriptTracker({ name: 'chk', spec: { argv: ['x'], uid: null, gid: null }, intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2, initFail: false },
    msClock(fc), (u) => ups.push(u), runs.run);
  t.start();
  assert.equal(runs.runs, 1);
  fc.advanceBy(1_000_000);
  assert.equal(runs.runs, 1, 'previous run still going: skipped');
  assert.equal(t.skipped, 1);
  runs.finish(0);
  await tick();
  assert.deepEqual(ups, [true]);
  for (const code of [1, 1]) {
    fc.advanceBy(1_000_000);
    runs.finish(code);
    await tick();
  }
  assert.deepEqual(ups, [true, true, false], 'down after fall=2 failures');
  for (const code of [0, 0]) {
    fc.advanceBy(1_000_000);
    runs.finish(code);
    await tick();
  }
  assert.deepEqual(ups, [true, true, false, false, true], 'up after rise=2 successes');
  fc.advanceBy(1_000_000);
  const stopping = t.stop();
  await stopping;
  assert.equal(t.busy, false, 'the run in progress was aborted');
  fc.advanceBy(10_000_000);
  assert.equal(runs.runs, 6, 'no run after stop');
});

test('Tracker: per-instance fault, pending and priority from statuses, with change events', async () => {
  const cfg = emptyVrrpConfig();
  const loc = { file: 't', line: 1, col: 1 };
  cfg.scripts.push({
    loc, name: 'chk', script: { loc, command: 'x', check: { ok: true, argv: ['x'], uid: null, gid: null } }, user: null, userLoc: null,
    intervalUs: 1_000_000, timeoutUs: 1_000_000, timeoutConfigured: null, weight: -30, weightReverse: false, rise: 1, fall: 1, initFail: false, enabled: true,
  });
  const a = newVrrpInstance('VI_1', loc);
  a.interface = 'eth0';
  a.trackScripts.push({ loc, name: 'chk', weight: null, reverse: false });
  const b = newVrrpInstance('VI_2', loc);
  b.priority = 255;
  b.trackScripts.push({ loc, name: 'chk', weight: 0, reverse: false });
  cfg.instances.push(a, b);
  const tr = new Tracker(cfg, { external: ['interface', 'script', 'file', 'process'] });
  const events: InstanceTrackState[] = [];
  tr.onChange((s) => events.push(s));
  await tr.start();
  assert.equal(tr.state('VI_2').pending, false, 'no status at all yet: not pending');
  tr.setStatus('script', 'chk', { kind: 'script', up: null });
  assert.equal(tr.state('VI_2').pending, true);
  tr.setStatus('interface', 'eth0', { kind: 'interface', up: true });
  tr.setStatus('script', 'chk', { kind: 'script', up: false });
  assert.deepEqual([tr.state('VI_1').fault, tr.state('VI_1').priority, tr.state('VI_1').priorityDelta], [false, 70, -30]);
  assert.deepEqual([tr.state('VI_2').fault, tr.state('VI_2').priority], [true, 255]);
  tr.setStatus('interface', 'eth0', { kind: 'interface', up: false });
  assert.equal(tr.state('VI_1').fault, true);
  assert.deepEqual(tr.state('VI_1').reasons.map((r) => r.name), ['eth0', 'chk']);
  assert.deepEqual(events.map((e) => [e.instance, e.fault, e.priority]), [
    ['VI_2', false, 255], ['VI_1', false, 70], ['VI_2', true, 255], ['VI_1', true, 70],
  ]);
  await tr.stop();
});
