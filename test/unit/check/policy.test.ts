// The health-check policy on a fake clock: retries, delay_loop, alpha, quorum/hysteresis, sorry server, inhibit, misc_dynamic, reload, omega.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim, OK, BAD } from './policy-sim';
import { HealthPolicy } from '../../../src/check/policy';
import { run } from '../config/lvs-helpers';
import type { ProbeResult } from '../../../src/check/types';
import type { ConfigDraft } from '../../../src/config/model';

/** Declares track_file f1 (a vrrp-level block the LVS test helper does not parse). */
export function addTrackFile(cfg: ConfigDraft): void {
  cfg.vrrp.trackFiles.push({ loc: { file: 't', line: 1, col: 1 }, name: 'f1', file: '/tmp/f1', weight: 1, weightReverse: false, init: null, enabled: true });
}

const vs = (body: string, rs: string): string => `virtual_server 10.0.0.1 80 {
  delay_loop 10
  lvs_sched rr
  protocol TCP
${body}
${rs}
}`;
const tcpRs = (ip: string, extra = '', chk = 'retry 2\n delay_before_retry 1'): string => `real_server ${ip} 80 {
  weight 5
  ${extra}
  TCP_CHECK {
    connect_timeout 3
    ${chk}
  }
}`;

test('retry and delay_before_retry: down after retry+1 failures, spaced by delay_before_retry, logged as keepalived', () => {
  let failFrom = Infinity;
  const sim = Sim.fromText(vs('', tcpRs('10.0.0.2')), (_id, now) => (now >= failFrom ? BAD : OK));
  sim.advanceTo(0);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 5 });
  failFrom = 15_000;
  sim.advanceTo(19_999);
  // probes: 0, 10s (ok), 20s fail (retry 1)
  sim.advanceTo(20_000);
  assert.equal(sim.policy.snapshot().vs[0]!.rs[0]!.alive, true, 'first failure only starts retrying');
  sim.advanceTo(21_000);
  assert.equal(sim.policy.snapshot().vs[0]!.rs[0]!.alive, true, 'second failure: retry 2');
  sim.advanceTo(22_000);
  assert.equal(sim.policy.snapshot().vs[0]!.rs[0]!.alive, false);
  assert.deepEqual(
    sim.probes.map((p) => p.at),
    [0, 10_000, 20_000, 21_000, 22_000],
  );
  assert.ok(sim.logs.includes('TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 2 retries.'), sim.logs.join('\n'));
  assert.ok(sim.logs.includes('Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(sim.weights(), {});
  assert.ok(sim.fifo.includes('RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN'));
  assert.ok(sim.fifo.includes('VS [10.0.0.1]:tcp:80 DOWN'));
  // while down, failures are probed every delay_loop with no retries
  sim.advanceTo(52_000);
  assert.deepEqual(
    sim.probes.slice(5).map((p) => p.at),
    [32_000, 42_000, 52_000],
  );
  // recovery: one success brings it back
  failFrom = Infinity;
  sim.advanceTo(62_000);
  assert.ok(sim.logs.includes('TCP connection to [10.0.0.2]:tcp:80 success.'));
  assert.ok(sim.logs.includes('Adding service [10.0.0.2]:tcp:80 to VS [10.0.0.1]:tcp:80'));
  assert.ok(sim.fifo.includes('VS [10.0.0.1]:tcp:80 UP'));
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 5 });
});

test('a transient failure within retries changes nothing', () => {
  const fails = new Set([10_000]);
  const sim = Sim.fromText(vs('', tcpRs('10.0.0.2', '', 'retry 1\n delay_before_retry 2')), (_id, now) => (fails.has(now) ? BAD : OK));
  sim.advanceTo(30_000);
  assert.deepEqual(
    sim.probes.map((p) => p.at),
    [0, 10_000, 12_000, 22_000],
  );
  assert.equal(sim.fifo.filter((l) => l.startsWith('RS')).length, 0, 'no transition');

});

test('warmup: the first probe is delayed by a random part of warmup', () => {
  const sim = Sim.fromText(vs('', tcpRs('10.0.0.2', '', 'warmup 8')), () => OK, 0.5);
  sim.advanceTo(3_999);
  assert.equal(sim.probes.length, 0);
  sim.advanceTo(4_000);
  assert.deepEqual(sim.probes.map((p) => p.at), [4_000]);
});

test('alpha: starts down, joins after its first success; a first failure notifies DOWN', () => {
  const sim = Sim.fromText(vs('alpha', tcpRs('10.0.0.2', '', 'retry 1')), (_id, now) => (now < 10_000 ? BAD : OK));
  // before any probe: not in the pool
  assert.deepEqual(sim.weights(), {});
  sim.advanceTo(1_000);
  assert.ok(sim.fifo.includes('RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN'), sim.fifo.join('\n'));
  sim.advanceTo(11_000);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 5 });
});

test('a real server is up only when all of its checkers are up', () => {
  const text = vs(
    '',
    `real_server 10.0.0.2 80 {
  weight 1
  TCP_CHECK {
    retry 1
  }
  TCP_CHECK {
    connect_port 81
    retry 1
  }
}`,
  );
  let bad81 = false;
  let bad80 = false;
  const sim = Sim.fromText(text, (id) => ((id.endsWith('/1') ? bad81 : bad80) ? BAD : OK));
  sim.advanceTo(0);
  assert.equal(sim.policy.snapshot().vs[0]!.rs[0]!.alive, true);
  bad81 = true;
  bad80 = true;
  sim.advanceTo(11_000);
  assert.equal(sim.policy.snapshot().vs[0]!.rs[0]!.alive, false);
  bad80 = false;
  sim.advanceTo(21_000);
  assert.equal(sim.policy.snapshot().vs[0]!.rs[0]!.alive, false, 'one checker still down');
  bad81 = false;
  sim.advanceTo(31_000);
  assert.equal(sim.policy.snapshot().vs[0]!.rs[0]!.alive, true);
  assert.equal(sim.fifo.filter((l) => l.startsWith('RS')).length, 2, 'one DOWN and one UP');
});

test('quorum with hysteresis, quorum_up/quorum_down scripts and the sorry server', () => {
  const text = vs(
    `quorum 6
  hysteresis 2
  quorum_up /bin/qup
  quorum_down /bin/qdown
  sorry_server 10.0.0.9 80`,
    tcpRs('10.0.0.2', '', 'retry 1') + '\n' + tcpRs('10.0.0.3', '', 'retry 1'),
  );
  const down = new Set<string>();
  const sim = Sim.fromText(text, (id) => (down.has(id) ? BAD : OK));
  sim.advanceTo(0);
  // 5+5=10 >= 6+2: quorum up, no sorry server
  assert.equal(sim.policy.snapshot().vs[0]!.quorumUp, true);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 5, '[10.0.0.3]:tcp:80': 5 });
  down.add('0/0/0');
  sim.advanceTo(11_000);
  // 5 < 6-2=4? no: 5 >= 4, quorum kept (hysteresis)
  assert.equal(sim.policy.snapshot().vs[0]!.quorumUp, true);
  down.add('0/1/0');
  sim.advanceTo(21_000);
  assert.equal(sim.policy.snapshot().vs[0]!.quorumUp, false);
  assert.ok(sim.logs.includes('Lost quorum 6-2=4 > 0 for VS [10.0.0.1]:tcp:80'), sim.logs.join('\n'));
  assert.ok(sim.logs.includes('Adding sorry server [10.0.0.9]:tcp:80 to VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(sim.weights(), { '[10.0.0.9]:tcp:80': 1 });
  assert.ok(sim.notifies.includes('quorum-down /bin/qdown'));
  down.delete('0/0/0');
  sim.advanceTo(31_000);
  // 5 < 6+2: still no quorum, the alive server stays out while the sorry server serves
  assert.deepEqual(sim.weights(), { '[10.0.0.9]:tcp:80': 1 });
  down.delete('0/1/0');
  sim.advanceTo(41_000);
  assert.ok(sim.logs.includes('Gained quorum 6+2=8 <= 10 for VS [10.0.0.1]:tcp:80'));
  assert.ok(sim.notifies.includes('quorum-up /bin/qup'));
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 5, '[10.0.0.3]:tcp:80': 5 });
});

test('inhibit_on_failure keeps a failed server with weight 0; sorry_server_inhibit keeps the sorry server at 0', () => {
  const text = vs(
    `sorry_server 10.0.0.9 80
  sorry_server_inhibit`,
    tcpRs('10.0.0.2', 'inhibit_on_failure', 'retry 1') + '\n' + tcpRs('10.0.0.3', '', 'retry 1'),
  );
  const down = new Set<string>();
  const sim = Sim.fromText(text, (id) => (down.has(id) ? BAD : OK));
  sim.advanceTo(0);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 5, '[10.0.0.3]:tcp:80': 5, '[10.0.0.9]:tcp:80': 0 });
  down.add('0/0/0');
  sim.advanceTo(11_000);
  assert.ok(sim.logs.includes('Disabling service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80'), sim.logs.join('\n'));
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 0, '[10.0.0.3]:tcp:80': 5, '[10.0.0.9]:tcp:80': 0 });
  down.add('0/1/0');
  sim.advanceTo(21_000);
  assert.ok(sim.logs.includes('Enabling sorry server [10.0.0.9]:tcp:80 to VS [10.0.0.1]:tcp:80'), sim.logs.join('\n'));
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 0, '[10.0.0.9]:tcp:80': 1 });
  down.clear();
  sim.advanceTo(31_000);
  assert.ok(sim.logs.includes('Enabling service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 5, '[10.0.0.3]:tcp:80': 5, '[10.0.0.9]:tcp:80': 0 });
});

test('misc_dynamic: exit status 2..255 sets weight status-2; notify_up/notify_down scripts run', () => {
  const text = vs(
    '',
    `real_server 10.0.0.2 80 {
  weight 5
  notify_up /bin/up
  notify_down /bin/down
  MISC_CHECK {
    misc_path "/bin/check arg"
    misc_dynamic
    retry 1
  }
}`,
  );
  const results: ProbeResult[] = [{ ok: true, weight: 12 }, { ok: false, failure: 'exit-status', reason: 'exited with status 1' }, { ok: true, weight: 3 }];
  const sim = Sim.fromText(text, (_id, now) => results[now < 10_000 ? 0 : now < 20_000 ? 1 : 2]!);
  sim.advanceTo(0);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 12 });
  assert.ok(sim.logs.includes('Changing weight from 5 to 12 for active service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80'), sim.logs.join('\n'));
  sim.advanceTo(11_000);
  assert.deepEqual(sim.weights(), {});
  assert.ok(sim.notifies.includes('rs-down /bin/down'));
  sim.advanceTo(21_000);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 3 });
  assert.ok(sim.notifies.includes('rs-up /bin/up'));
});

test('FILE_CHECK: the file value times weight changes the weight; <= -254 fails the server', () => {
  const text = vs(
    '',
    `real_server 10.0.0.2 80 {
  weight 100
  FILE_CHECK {
    track_file f1
    weight 2
  }
}`,
  );
  let r: ProbeResult = { ok: true, weightDelta: -10 };
  const sim = new Sim(new HealthPolicy(run(text, { prepare: addTrackFile }).cfg.lvs, { filePollMs: 1000 }), () => r);
  sim.advanceTo(0);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 90 });
  r = { ok: false, failure: 'file', reason: 'weight -300', weightDelta: -300 };
  sim.advanceTo(1_000);
  assert.deepEqual(sim.weights(), {});
  r = { ok: true, weightDelta: 0 };
  sim.advanceTo(2_000);
  assert.deepEqual(sim.weights(), { '[10.0.0.2]:tcp:80': 100 });
});

test('reload keeps the up/down state of unchanged checkers (compare/migrate) and re-probes changed ones', () => {
  const text1 = vs('', tcpRs('10.0.0.2', '', 'retry 1') + '\n' + tcpRs('10.0.0.3', '', 'retry 1'));
  const sim = Sim.fromText(text1, (id) => (id === '0/0/0' ? BAD : OK));
  sim.advanceTo(1_000);
  assert.deepEqual(sim.weights(), { '[10.0.0.3]:tcp:80': 5 });
  // same servers, weight of .3 changed, a new server .4 added, checker of .3 changed (connect_port)
  const text2 = vs(
    '',
    tcpRs('10.0.0.2', '', 'retry 1') + '\n' + tcpRs('10.0.0.3', '', 'retry 1\n connect_port 8080') + '\n' + tcpRs('10.0.0.4', '', 'retry 1'),
  );
  const p2 = new HealthPolicy(run(text2).cfg.lvs, { random: () => 0 });
  const sim2 = new Sim(p2, () => OK, sim.policy);
  const snap = p2.snapshot().vs[0]!.rs;
  assert.equal(snap[0]!.alive, false, '.2 stays down: its checker did not change');
  assert.equal(snap[1]!.alive, true, '.3 stays up');
  assert.equal(snap[2]!.alive, true, 'a new non-alpha server starts up');
  sim2.advanceTo(0);
  assert.equal(p2.snapshot().vs[0]!.rs[0]!.alive, true, 'comes back after its next success');
});

test('reload: a real server removed from the config is logged; a removed virtual server too', () => {
  const sim = Sim.fromText(vs('', tcpRs('10.0.0.2') + '\n' + tcpRs('10.0.0.3')), () => OK);
  sim.advanceTo(0);
  const p2 = new HealthPolicy(run(vs('', tcpRs('10.0.0.2'))).cfg.lvs);
  const sim2 = new Sim(p2, () => OK, sim.policy);
  assert.ok(sim2.logs.includes('service [10.0.0.3]:tcp:80 no longer exist'), sim2.logs.join('\n'));
  const p3 = new HealthPolicy(run('virtual_server 10.0.0.5 80 {\n protocol TCP\n' + tcpRs('10.0.0.2') + '\n}').cfg.lvs);
  const sim3 = new Sim(p3, () => OK, p2);
  assert.ok(sim3.logs.includes('Removing Virtual Server [10.0.0.1]:tcp:80'), sim3.logs.join('\n'));
});

test('omega: stopping runs the down notifiers; without omega it does not', () => {
  for (const omega of [true, false]) {
    const sim = Sim.fromText(vs(omega ? 'omega\n quorum_down /bin/qdown' : 'quorum_down /bin/qdown', tcpRs('10.0.0.2', 'notify_down /bin/down')), () => OK);
    sim.advanceTo(0);
    sim.apply(sim.policy.stop());
    assert.ok(sim.logs.includes('Shutting down service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80'));
    assert.equal(sim.notifies.includes('rs-down /bin/down'), omega);
    assert.equal(sim.notifies.includes('quorum-down /bin/qdown'), omega);
  }
});

test('ha_suspend: a suspended virtual server is left out and its checkers do not probe', () => {
  const sim = Sim.fromText(vs('ha_suspend', tcpRs('10.0.0.2')), () => OK);
  sim.advanceTo(0);
  sim.apply(sim.policy.setSuspended(0, true));
  assert.deepEqual(sim.desired.services, []);
  const before = sim.probes.length;
  sim.advanceTo(30_000);
  assert.equal(sim.probes.length, before);
  sim.apply(sim.policy.setSuspended(0, false));
  assert.equal(sim.desired.services.length, 1);
  sim.advanceTo(40_000);
  assert.equal(sim.probes.length, before + 1);
});
