// What the checker engine sends at stop: without -I its services are withdrawn (keepalived's clear_services()); with -I
// (--dont-release-ipvs) nothing at all, as keepalived's checker_terminate_phase1() skips clear_services() then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckEngine } from '../../../src/check/subsystem';
import type { DesiredDelta, DesiredState } from '../../../src/check/desired';
import type { Clock } from '../../../src/core/clock';
import type { KeepalivedConfig } from '../../../src/config/model';
import { run } from '../config/lvs-helpers';

/** Two virtual servers whose real servers have no checker (always up), one with omega and a notify_down. */
const CONF = [
  'virtual_server 10.0.0.1 80 {',
  '  lvs_sched rr',
  '  protocol TCP',
  '  real_server 10.1.0.1 80 {',
  '  }',
  '  real_server 10.1.0.2 80 {',
  '  }',
  '}',
  'virtual_server 10.0.0.2 80 {',
  '  lvs_sched rr',
  '  protocol TCP',
  '  omega',
  '  real_server 10.1.0.3 80 {',
  '    notify_down /bin/true',
  '  }',
  '}',
].join('\n');

const idleClock: Clock = { now: () => 0, wallNow: () => new Date(0), setTimer: () => ({ cancel: () => undefined }) };

function engine(dontReleaseIpvs: boolean): { e: CheckEngine; applied: { services: number; delta: DesiredDelta | undefined }[]; logs: string[]; scripts: string[][] } {
  const applied: { services: number; delta: DesiredDelta | undefined }[] = [];
  const logs: string[] = [];
  const scripts: string[][] = [];
  const e = new CheckEngine({
    clock: idleClock,
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    apply: async (state: DesiredState, delta) => void applied.push({ services: state.services.length, delta }),
    runScript: (s) => void scripts.push([...s.argv]),
    writeFifo: () => undefined,
    random: () => 0,
    dontReleaseIpvs,
  });
  return { e, applied, logs, scripts };
}

test('stop without -I withdraws every service: one full apply of an empty state, keepalived\'s shutdown lines and omega notifies', async () => {
  const { e, applied, logs, scripts } = engine(false);
  await e.start(run(CONF).cfg as unknown as KeepalivedConfig);
  assert.deepEqual(applied, [{ services: 2, delta: undefined }]);
  await e.stop();
  assert.deepEqual(applied, [{ services: 2, delta: undefined }, { services: 0, delta: undefined }]);
  assert.equal(logs.filter((l) => /^Shutting down service/.test(l)).length, 3, logs.join('\n'));
  assert.deepEqual(scripts, [['/bin/true']], 'omega: notify_down of the real server shut down');
  assert.equal(e.lastDesired.services.length, 0);
});

test('stop with -I sends nothing: no apply (no IPVS read or write), no shutdown lines, no notifies; the state is kept', async () => {
  const { e, applied, logs, scripts } = engine(true);
  await e.start(run(CONF).cfg as unknown as KeepalivedConfig);
  const before = JSON.stringify(e.lastDesired);
  const logged = logs.length;
  await e.stop();
  assert.deepEqual(applied, [{ services: 2, delta: undefined }], 'only the start apply');
  assert.deepEqual(logs.slice(logged), []);
  assert.deepEqual(scripts, []);
  assert.equal(JSON.stringify(e.lastDesired), before, 'what the kernel was given is what stays');
});
