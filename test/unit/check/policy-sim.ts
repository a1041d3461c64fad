// Test harness: drives a HealthPolicy on a fake clock with scripted probe outcomes and records what it asked for.
import { FakeClock } from '../../helpers/fake-clock';
import { run } from '../config/lvs-helpers';
import { HealthPolicy, type PolicyAction } from '../../../src/check/policy';
import type { ProbeResult } from '../../../src/check/types';
import { computeDesired } from '../../../src/check/manager';
import type { DesiredState } from '../../../src/check/desired';

export type Outcome = (id: string, now: number) => ProbeResult;

export const OK: ProbeResult = { ok: true };
export const BAD: ProbeResult = { ok: false, failure: 'refused', reason: 'connect ECONNREFUSED' };

/** A simulated checker process: instantaneous probes, fake time in milliseconds. */
export class Sim {
  readonly clock = new FakeClock(0);
  readonly logs: string[] = [];
  readonly fifo: string[] = [];
  readonly notifies: string[] = [];
  readonly probes: { id: string; at: number }[] = [];
  readonly timers = new Map<string, number>();
  desired: DesiredState;
  constructor(
    readonly policy: HealthPolicy,
    public outcome: Outcome,
    previous?: HealthPolicy,
  ) {
    this.desired = { services: [] };
    this.apply(policy.start(this.clock.now(), previous));
  }

  static fromText(text: string, outcome: Outcome, random = 0): Sim {
    const r = run(text);
    if (r.messages.some((m) => /invalid|outside range|unknown/i.test(m))) throw new Error(r.messages.join('\n'));
    return new Sim(new HealthPolicy(r.cfg.lvs, { random: () => random }), outcome);
  }

  apply(actions: readonly PolicyAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'schedule': {
          const old = this.timers.get(a.checker);
          if (old !== undefined) this.clock.cancel(old);
          const t = this.clock.setTimer(a.at, () => {
            this.timers.delete(a.checker);
            const now = this.clock.now();
            const d = this.policy.due(a.checker, now);
            this.apply(d.actions);
            if (!d.run) return;
            this.probes.push({ id: a.checker, at: now });
            this.apply(this.policy.result(a.checker, this.outcome(a.checker, now), now));
          });
          this.timers.set(a.checker, t);
          break;
        }
        case 'log':
          this.logs.push(a.msg);
          break;
        case 'fifo':
          this.fifo.push(a.line);
          break;
        case 'notify':
          this.notifies.push(`${a.event} ${a.script.command}`);
          break;
        case 'changed':
          this.desired = computeDesired(this.policy.lvs, this.policy.snapshot());
          break;
      }
    }
  }

  advanceTo(ms: number): void {
    this.clock.advanceTo(ms);
  }

  weights(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.desired.services) for (const d of s.dests) out[d.name] = d.weight;
    return out;
  }
}
