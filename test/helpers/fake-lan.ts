// An in-memory multicast segment of N VRRP state machines driven by a FakeClock (a test driver for src/vrrp/fsm).
import { FakeClock } from './fake-clock';
import { InstanceConfig, TimerName, Transition, VrrpAction, VrrpEvent, VrrpState, initialState, step } from '../../src/vrrp/fsm';
import { microsToAdverInt } from '../../src/vrrp/timers';

/** An advert seen on the wire. */
export interface WireAdvert {
  readonly from: string;
  readonly priority: number;
  readonly at: number;
}

/** One node: its state and what it did. */
export class LanNode {
  state: VrrpState;
  alive = true;
  readonly timers = new Map<TimerName, number>();
  readonly transitions: Transition[] = [];
  readonly actions: { at: number; action: VrrpAction }[] = [];
  /** GARP/NA messages per VIP sent so far (bursts, and delayed bursts that found the VIPs set). */
  gratuitous = 0;
  /** Delayed bursts that were due while the VIPs were not set (keepalived sends nothing then). */
  gratuitousSkipped = 0;

  /** `vips`: the addresses this node advertises and checks adverts against (as strings; order free). */
  constructor(readonly name: string, readonly config: InstanceConfig, readonly vips: readonly string[] = ['192.0.2.100']) {
    this.state = initialState(config);
  }

  /** Actions of one type, in order. */
  did<T extends VrrpAction['type']>(type: T): Extract<VrrpAction, { type: T }>[] {
    return this.actions.map((a) => a.action).filter((a): a is Extract<VrrpAction, { type: T }> => a.type === type);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The segment: delivers every advert to every other live node after `latency` µs. */
export class FakeLan {
  readonly clock: FakeClock;
  readonly nodes = new Map<string, LanNode>();
  readonly wire: WireAdvert[] = [];

  constructor(clock = new FakeClock(), readonly latency = 0) {
    this.clock = clock;
  }

  add(name: string, config: InstanceConfig, vips?: readonly string[]): LanNode {
    const n = new LanNode(name, config, vips);
    this.nodes.set(name, n);
    return n;
  }

  node(name: string): LanNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Feeds one event to a node now and runs the resulting actions. */
  send(name: string, ev: VrrpEvent): void {
    const n = this.node(name);
    if (!n.alive) return;
    const r = step(n.state, ev, this.clock.now());
    n.state = r.state;
    for (const a of r.actions) this.apply(n, a);
  }

  startAll(): void {
    for (const name of this.nodes.keys()) this.send(name, { type: 'startup' });
  }

  /** SIGKILL: the node stops at once, sends nothing more and keeps its VIPs (like a dead host). */
  kill(name: string): void {
    const n = this.node(name);
    n.alive = false;
    for (const id of n.timers.values()) this.clock.cancel(id);
    n.timers.clear();
  }

  /** The names of nodes currently in MASTER. */
  masters(): string[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.state.state === 'master').map((n) => n.name);
  }

  private apply(n: LanNode, a: VrrpAction): void {
    const now = this.clock.now();
    n.actions.push({ at: now, action: a });
    switch (a.type) {
      case 'sendAdvert': {
        this.wire.push({ from: n.name, priority: a.priority, at: now });
        for (const other of this.nodes.values()) {
          if (other === n) continue;
          // What the driver computes from the decoded address list (keepalived vrrp_check_packet).
          const ev: VrrpEvent = {
            type: 'advert', priority: a.priority, src: n.config.primaryAddress,
            maxAdverInt: microsToAdverInt(n.config.version, n.config.advertInterval),
            addressesMatch: sameSet(n.vips, other.vips),
          };
          this.clock.setTimer(now + this.latency, () => this.send(other.name, ev));
        }
        return;
      }
      case 'armTimer': {
        const old = n.timers.get(a.timer);
        if (old !== undefined) this.clock.cancel(old);
        const id = this.clock.setTimer(a.at, () => {
          n.timers.delete(a.timer);
          this.send(n.name, { type: 'timer', timer: a.timer });
        });
        n.timers.set(a.timer, id);
        return;
      }
      case 'cancelTimer': {
        const id = n.timers.get(a.timer);
        if (id !== undefined) this.clock.cancel(id);
        n.timers.delete(a.timer);
        return;
      }
      case 'notify':
        n.transitions.push(a.transition);
        return;
      case 'sendGratuitous':
        n.gratuitous += a.repeat;
        return;
      case 'sendGratuitousLater':
        this.clock.setTimer(a.at, () => {
          if (!n.alive) return;
          if (n.state.vipsSet) n.gratuitous += a.repeat;
          else n.gratuitousSkipped += a.repeat;
        });
        return;
      case 'ownerConflict':
      case 'addVips':
      case 'removeVips':
      case 'masterRxLowerPriority':
      case 'discard':
        return;
    }
  }
}
