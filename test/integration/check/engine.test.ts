// The checker engine end to end on loopback: real timers, a TCP_CHECK against a server that goes away and comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { CheckEngine } from '../../../src/check/subsystem';
import type { DesiredDelta, DesiredState } from '../../../src/check/desired';
import { systemClock } from '../../../src/core/clock';
import { run } from '../../unit/config/lvs-helpers';
import type { KeepalivedConfig } from '../../../src/config/model';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('engine: TCP_CHECK removes a real server when its port closes and adds it back; stop releases IPVS', async () => {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  const text = `virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  delay_loop 0.2
  real_server 127.0.0.1 ${port} {
    weight 3
    TCP_CHECK {
      connect_timeout 0.5
      retry 1
      delay_before_retry 0.1
    }
  }
}`;
  const r = run(text);
  const cfg = r.cfg as unknown as KeepalivedConfig;
  const applied: DesiredState[] = [];
  const logs: string[] = [];
  const fifo: string[] = [];
  const engine = new CheckEngine({
    clock: systemClock,
    logger: { info: (m) => void logs.push(m), warn: (m) => void logs.push(m) },
    apply: async (s) => void applied.push(s),
    writeFifo: (l) => void fifo.push(l),
  });
  const weights = (): number[] => (applied.at(-1)?.services[0]?.dests ?? []).map((d) => d.weight);
  try {
    await engine.start(cfg);
    assert.deepEqual(weights(), [3]);
    await new Promise<void>((res) => srv.close(() => res()));
    for (let i = 0; i < 40 && weights().length > 0; i++) await sleep(50);
    assert.deepEqual(weights(), []);
    assert.ok(logs.some((l) => l === `TCP_CHECK on service [127.0.0.1]:tcp:${port} failed after 1 retries.`), logs.join('\n'));
    assert.ok(fifo.includes(`RS [127.0.0.1]:tcp:${port} [10.0.0.1]:tcp:80 DOWN`));
    await new Promise<void>((res) => srv.listen(port, '127.0.0.1', () => res()));
    for (let i = 0; i < 40 && weights().length === 0; i++) await sleep(50);
    assert.deepEqual(weights(), [3]);
    const stats = engine.stats(false) as { probes: number };
    assert.ok(stats.probes >= 3);
  } finally {
    await engine.stop();
    srv.close();
  }
  assert.deepEqual(applied.at(-1), { services: [] });
});

test('engine: a real server going down is applied as a delta naming only its virtual server', async () => {
  const srvs = [net.createServer((s) => s.destroy()), net.createServer((s) => s.destroy())];
  for (const s of srvs) await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const ports = srvs.map((s) => (s.address() as net.AddressInfo).port);
  const text = ports
    .map(
      (port, i) => `virtual_server 10.0.0.${i + 1} 80 {
  protocol TCP
  lvs_sched rr
  delay_loop 0.2
  real_server 127.0.0.1 ${port} {
    TCP_CHECK {
      connect_timeout 0.5
      delay_before_retry 0.1
      warmup 0
    }
  }
}`,
    )
    .join('\n');
  const cfg = run(text).cfg as unknown as KeepalivedConfig;
  const applied: { state: DesiredState; delta: DesiredDelta | undefined }[] = [];
  const engine = new CheckEngine({
    clock: systemClock,
    logger: { info: () => undefined, warn: () => undefined },
    apply: async (state, delta) => void applied.push({ state, delta }),
    writeFifo: () => undefined,
  });
  try {
    await engine.start(cfg);
    assert.equal(applied.length, 1);
    assert.equal(applied[0]!.delta, undefined, 'start applies everything');
    await new Promise<void>((res) => srvs[1]!.close(() => res()));
    for (let i = 0; i < 40 && applied.length < 2; i++) await sleep(50);
    const d = applied[1]?.delta;
    assert.ok(d, 'a delta apply');
    assert.deepEqual(d.services.map((s) => [s.name, s.dests.length]), [['[10.0.0.2]:tcp:80', 0]]);
    assert.deepEqual(d.removed, []);
    // the whole state stays readable for appliers that want it
    assert.deepEqual(applied[1]!.state.services.map((s) => s.dests.length), [1, 0]);
  } finally {
    await engine.stop();
    srvs[0]!.close();
  }
  assert.equal(applied.at(-1)!.delta, undefined, 'stop reconciles everything');
  assert.deepEqual(applied.at(-1)!.state, { services: [] });
});
