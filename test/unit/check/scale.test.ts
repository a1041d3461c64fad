// The policy and engine at scale: keepalived's default warmup spreads first checks over delay_loop, per-virtual-server change marks, an install that yields, applies that carry only what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthPolicy, type PolicyAction } from '../../../src/check/policy';
import { CheckEngine } from '../../../src/check/subsystem';
import type { DesiredDelta, DesiredState } from '../../../src/check/desired';
import type { Clock } from '../../../src/core/clock';
import type { KeepalivedConfig } from '../../../src/config/model';
import { run } from '../config/lvs-helpers';
import { Sim, OK, BAD } from './policy-sim';

/** `n` virtual servers of `reals` real servers each, FILE_CHECK-free TCP_CHECKs. */
function farm(n: number, reals: number, vsExtra = '', chk = ''): string {
  const out: string[] = [];
  for (let v = 0; v < n; v++) {
    out.push(`virtual_server 10.0.${v >> 8}.${v & 255} 80 {`, '  delay_loop 10', '  lvs_sched rr', '  protocol TCP', vsExtra);
    for (let r = 0; r < reals; r++) out.push(`  real_server 10.1.${v & 255}.${r + 1} 80 {`, '    TCP_CHECK {', '      connect_timeout 1', `      ${chk}`, '    }', '  }');
    out.push('}');
  }
  return out.join('\n');
}

test('warmup unset at every level defaults to delay_loop (keepalived 2.4): first checks spread over one delay_loop', () => {
  const sim = Sim.fromText(farm(1, 1), () => OK, 0.5);
  sim.advanceTo(4_999);
  assert.equal(sim.probes.length, 0);
  sim.advanceTo(5_000);
  assert.deepEqual(sim.probes.map((p) => p.at), [5_000]);
});

test('warmup 0 set explicitly (checker, real server or virtual server) starts at once', () => {
  for (const [vsExtra, chk] of [['', 'warmup 0'], ['  warmup 0', '']]) {
    const sim = Sim.fromText(farm(1, 1, vsExtra, chk), () => OK, 0.5);
    sim.advanceTo(0);
    assert.deepEqual(sim.probes.map((p) => p.at), [0], `${vsExtra}${chk}`);
  }
});

test("'changed' names the virtual server whose state moved; start and stop concern all", () => {
  const r = run(farm(3, 2, '', 'warmup 0'));
  const p = new HealthPolicy(r.cfg.lvs, { random: () => 0 });
  const started = p.start(0);
  assert.deepEqual(started.filter((a) => a.kind === 'changed'), [{ kind: 'changed' }]);
  const changed = (acts: PolicyAction[]): unknown[] => acts.filter((a) => a.kind === 'changed');
  assert.deepEqual(changed(p.result('1/0/0', BAD, 0)), [], 'a first failure only retries (retry 1)');
  const down = p.result('1/0/0', BAD, 1_000);
  assert.ok(changed(down).length > 0);
  assert.ok(changed(down).every((a) => (a as { vs?: number }).vs === 1), JSON.stringify(changed(down)));
  assert.deepEqual(changed(p.stop()), [{ kind: 'changed' }]);
});

test('reload of 300 x 10 keeps every state (migration indexed per real server)', () => {
  const text = farm(300, 10, '', 'warmup 0');
  const sim = Sim.fromText(text, (id) => (id.endsWith('/3/0') ? BAD : OK));
  sim.advanceTo(1_000); // retry 1, delay_before_retry 1 s
  const r2 = run(text);
  const p2 = new HealthPolicy(r2.cfg.lvs, { random: () => 0 });
  p2.start(0, sim.policy);
  const snap = p2.snapshot();
  assert.equal(snap.vs.length, 300);
  for (const v of snap.vs) assert.deepEqual(v.rs.map((x) => x.alive), [true, true, true, false, true, true, true, true, true, true]);
});

/** A clock whose timers never fire (the test only looks at start and apply). */
const idleClock: Clock = { now: () => 0, wallNow: () => new Date(0), setTimer: () => ({ cancel: () => undefined }) };

test('engine start yields to the event loop between slices and applies the whole state once, at the end', async () => {
  const cfg = run(farm(20, 10)).cfg as unknown as KeepalivedConfig;
  const applied: { state: DesiredState; delta: DesiredDelta | undefined; services: number }[] = [];
  let turns = 0;
  let installing = true;
  const spin = (): void => {
    turns++;
    if (installing) setImmediate(spin);
  };
  const engine = new CheckEngine({
    clock: idleClock,
    logger: { info: () => undefined, warn: () => undefined },
    apply: async (state, delta) => void applied.push({ state, delta, services: state.services.length }),
    writeFifo: () => undefined,
    installSliceMs: 0,
    random: () => 0,
  });
  setImmediate(spin);
  await engine.start(cfg);
  installing = false;
  assert.ok(turns > 1, `the event loop turned ${turns} time(s) during start`);
  assert.equal(applied.length, 1, 'one apply, after the install');
  assert.equal(applied[0]!.delta, undefined, 'start reconciles everything');
  assert.equal(applied[0]!.services, 20);
  await engine.stop();
});
