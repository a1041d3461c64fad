// The checker engine: runs probes on timers, feeds the policy, applies desired IPVS state, runs notify scripts and FIFO lines.
import { spawn } from 'node:child_process';
import { closeSync, constants as fsc, openSync, writeSync } from 'node:fs';
import type { KeepalivedConfig } from '../config/model';
import type { Clock, TimerHandle } from '../core/clock';
import { registerSubsystem, type Subsystem, type SubsystemContext } from '../core/subsystem';
import type { ApplyDesired, DesiredDelta, DesiredService, DesiredState } from './desired';
import { desiredServicesOf } from './manager';
import { HealthPolicy, type PolicyAction } from './policy';
import { preparePingSockets } from './probe-ping';
import { makeProbe, type ProbeDeps } from './probes';
import { PingGroupRange } from '../sys/ping-group-range';
import type { Probe } from './types';

/** The parts of a logger the engine uses (pino's Logger fits). */
export interface CheckLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** A notify script to run: argv with its user. */
export interface ScriptRun {
  readonly argv: readonly string[];
  readonly uid: number | null;
  readonly gid: number | null;
}

/** What the engine needs from outside. */
export interface CheckEngineDeps {
  readonly clock: Clock;
  readonly logger: CheckLogger;
  /** Applies desired IPVS state (the IPVS driver). */
  readonly apply: ApplyDesired;
  /** Runs a notify script, fire and forget (default: spawn detached, reaped, output ignored). */
  readonly runScript?: (s: ScriptRun) => void;
  /** Writes one notify FIFO line (default: to lvs_notify_fifo and notify_fifo of the configuration). */
  readonly writeFifo?: (line: string, cfg: KeepalivedConfig) => void;
  readonly probeDeps?: ProbeDeps;
  /** Keep IPVS as it is on stop (-I / --dont-release-ipvs). */
  readonly dontReleaseIpvs?: boolean;
  /** Options passed to the policy (tests: deterministic warmup). */
  readonly random?: () => number;
  /**
   * net.ipv4.ping_group_range handling for PING_CHECK (default: the real sysctl). Ignored when
   * probeDeps.icmp is injected.
   */
  readonly pingGroupRange?: PingGroupRange;
  /** Longest stretch of start/reload work between two turns of the event loop, ms (default {@link INSTALL_SLICE_MS}). */
  readonly installSliceMs?: number;
}

/** Counters for SIGUSR2. */
export interface CheckStats {
  probes: number;
  failures: number;
  applies: number;
  applyErrors: number;
  scripts: number;
}

function defaultRunScript(s: ScriptRun): void {
  const [cmd, ...args] = s.argv;
  if (cmd === undefined) return;
  try {
    const child = spawn(cmd, args, {
      detached: true,
      stdio: 'ignore',
      ...(s.uid !== null ? { uid: s.uid } : {}),
      ...(s.gid !== null ? { gid: s.gid } : {}),
    });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    /* keepalived does not wait for or report notify scripts */
  }
}

function defaultWriteFifo(line: string, cfg: KeepalivedConfig): void {
  for (const f of [cfg.global.lvsNotifyFifo, cfg.global.notifyFifo]) {
    if (!f) continue;
    try {
      const fd = openSync(f.name, fsc.O_WRONLY | fsc.O_NONBLOCK | fsc.O_APPEND);
      try {
        writeSync(fd, `${line}\n`);
      } finally {
        closeSync(fd);
      }
    } catch {
      /* no reader, or not there: keepalived drops the line too */
    }
  }
}

/** Longest stretch of start/reload work between two turns of the event loop, ms (pings, probes and timers run in between). */
export const INSTALL_SLICE_MS = 20;

/** Lets the event loop turn (IPC pings, sockets, timers) before going on. */
function yieldToLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Deep equality of two services' desired state (plain data from the manager; same key order). */
function sameServices(a: readonly DesiredService[], b: readonly DesiredService[]): boolean {
  return a.length === b.length && JSON.stringify(a) === JSON.stringify(b);
}

/** A desired state read through a function, so that building it is left until (and unless) it is read. */
class DesiredView implements DesiredState {
  constructor(private readonly read: () => DesiredState) {}
  get services(): readonly DesiredService[] {
    return this.read().services;
  }
}

/** The checker engine (keepalived's healthcheckers process), independent of the worker plumbing. */
export class CheckEngine implements Subsystem {
  private cfg: KeepalivedConfig | null = null;
  private policy: HealthPolicy | null = null;
  private probes = new Map<string, Probe>();
  private timers = new Map<string, TimerHandle>();
  private inflight = new Set<AbortController>();
  private applyPending = false;
  /** An apply callback is queued and has not started: further 'changed' actions join it. */
  private applyQueued = false;
  /** Everything must be recomputed and reconciled (start, reload, stop). */
  private applyAll = false;
  /** Virtual servers (indexes) whose desired state may have changed since the last apply. */
  private dirty = new Set<number>();
  /** The desired services of each virtual server as last applied (index = virtual server). */
  private desiredByVs: DesiredService[][] = [];
  private applying: Promise<void> = Promise.resolve();
  /** An install is arming its checks: applies wait for its complete state. */
  private installing = false;
  private generation = 0;
  private stopped = false;
  private counters: CheckStats = { probes: 0, failures: 0, applies: 0, applyErrors: 0, scripts: 0 };
  private pingRange: PingGroupRange | null = null;
  /** The flattened desiredByVs, built when first read after a change (a delta apply never reads it). */
  private flatDesired: DesiredState | null = { services: [] };
  /** What stop leaves in the kernel (nothing, or with -I what was there). */
  private finalDesired: DesiredState | null = null;
  /** The whole desired state handed to a delta apply: flattened only if the applier reads it. */
  private readonly desiredView: DesiredState = new DesiredView(() => this.lastDesired);

  /** The last desired state handed to apply (for dumps and tests). */
  get lastDesired(): DesiredState {
    if (this.finalDesired) return this.finalDesired;
    this.flatDesired ??= { services: this.desiredByVs.flat() };
    return this.flatDesired;
  }

  constructor(private readonly deps: CheckEngineDeps) {}

  async start(cfg: KeepalivedConfig): Promise<void> {
    await this.install(cfg, undefined);
    await this.flush();
  }

  async reload(cfg: KeepalivedConfig): Promise<void> {
    const old = this.policy ?? undefined;
    this.halt();
    await this.install(cfg, old);
    await this.flush();
  }

  async stop(): Promise<void> {
    this.halt();
    this.generation++; // an install still yielding gives up
    this.installing = false;
    if (this.deps.dontReleaseIpvs) {
      // -I: as keepalived's checker_terminate_phase1(), nothing is sent at shutdown (no clear_services(): no
      // "Shutting down service" lines, no omega notifies, no read or write of IPVS); the kernel keeps what it
      // holds. Changes decided before the stop still go (keepalived applies each as it happens).
      if (this.applyPending) this.scheduleApply();
      await this.flush();
      this.stopped = true;
      this.finalDesired = { services: [...this.lastDesired.services] };
    } else {
      this.stopped = true;
      // The services are withdrawn first, keepalived's shutdown lines and omega notifies after: with 10,000
      // virtual servers the withdrawal takes a fraction of child_wait_time, while building and logging 50,000
      // "Shutting down service" lines can take all of it on a slow machine (the parent then stops us, and IPVS
      // must be clean by then). The withdrawal does not depend on the policy's state: everything goes.
      this.finalDesired = { services: [] };
      this.applyPending = true;
      this.applyAll = true;
      this.scheduleApply();
      await this.flush();
      if (this.policy) await this.execSliced(this.policy.stop().filter((a) => a.kind !== 'changed'));
    }
    // keepalived's stop_check(): set_ping_group_range(false)
    if (this.pingRange?.restore()) this.deps.logger.info('Restored net.ipv4.ping_group_range');
  }

  dump(): unknown {
    const p = this.policy;
    if (!p) return { virtualServers: [] };
    return {
      virtualServers: p.snapshot().vs,
      checkers: [...p.checkers.values()].map((c) => ({
        id: c.id,
        type: c.type,
        up: c.isUp,
        hasRun: c.hasRun,
        retryIt: c.retryIt,
        lastReason: c.lastReason,
      })),
      desired: this.lastDesired,
    };
  }

  stats(clear: boolean): unknown {
    const out = { ...this.counters };
    if (clear) this.counters = { probes: 0, failures: 0, applies: 0, applyErrors: 0, scripts: 0 };
    return out;
  }

  /** Waits until every requested apply has run. */
  async flush(): Promise<void> {
    for (let i = 0; i < 10 && (this.applyPending || this.applying); i++) {
      const cur = this.applying;
      await cur;
      if (!this.applyPending && cur === this.applying) break;
    }
  }

  /**
   * Builds the policy and the probes of a configuration and starts its checks. The work is done in
   * slices of at most {@link INSTALL_SLICE_MS} with a turn of the event loop in between, so a
   * configuration of 10,000 checks neither holds back the parent's liveness pings nor the checks
   * already running. A newer install, or stop, supersedes one still in progress.
   */
  private async install(cfg: KeepalivedConfig, previous: HealthPolicy | undefined): Promise<void> {
    this.cfg = cfg;
    this.stopped = false;
    const gen = ++this.generation;
    const current = (): boolean => gen === this.generation && !this.stopped;
    const sliceMs = this.deps.installSliceMs ?? INSTALL_SLICE_MS;
    let sliceStart = performance.now();
    const slice = async (): Promise<boolean> => {
      if (performance.now() - sliceStart < sliceMs) return current();
      await yieldToLoop();
      sliceStart = performance.now();
      return current();
    };
    this.installing = true;
    const policy = new HealthPolicy(cfg.lvs, this.deps.random ? { random: this.deps.random } : {});
    this.policy = policy;
    this.probes = new Map();
    this.finalDesired = null;
    this.dirty.clear();
    this.preparePing(policy);
    for (const c of policy.checkers.values()) {
      const p = makeProbe(cfg, c.vs, c.rs, c.index, this.deps.probeDeps);
      if (p) this.probes.set(c.id, p);
      if (!(await slice())) return;
    }
    const actions = policy.start(this.deps.clock.now(), previous);
    for (let i = 0; i < actions.length; i += 256) {
      if (!(await slice())) return;
      this.exec(actions.slice(i, i + 256), true);
    }
    this.installing = false;
    if (this.applyPending) this.scheduleApply();
  }

  /** PING_CHECK needs ping sockets: widen ping_group_range when (and only when) they are refused. */
  private preparePing(policy: HealthPolicy): void {
    if (this.deps.probeDeps?.icmp) return;
    const families = new Set<4 | 6>();
    for (const c of policy.checkers.values()) {
      if (c.type !== 'PING_CHECK') continue;
      const { rs, checker } = policy.configOf(c.id);
      const addr = (checker.type === 'PING_CHECK' ? checker.connectIp : null) ?? rs.address;
      families.add(addr.family);
    }
    if (families.size === 0) return;
    this.pingRange ??= this.deps.pingGroupRange ?? new PingGroupRange();
    const out = preparePingSockets(this.pingRange, families);
    for (const m of out.messages) this.deps.logger.info(m);
  }

  /** Cancels timers and aborts running probes (reload, stop). */
  private halt(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const ac of this.inflight) ac.abort();
    this.inflight.clear();
  }

  /**
   * Runs actions (not live: no timers) in slices of at most the install slice, with a turn of the event loop in
   * between: stop's shutdown lines, one per real server, must not hold off the parent's pings and signals.
   */
  private async execSliced(actions: readonly PolicyAction[]): Promise<void> {
    const sliceMs = this.deps.installSliceMs ?? INSTALL_SLICE_MS;
    let sliceStart = performance.now();
    for (let i = 0; i < actions.length; i += 256) {
      if (performance.now() - sliceStart >= sliceMs) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
      this.exec(actions.slice(i, i + 256), false);
    }
  }

  private exec(actions: readonly PolicyAction[], live: boolean): void {
    const cfg = this.cfg;
    for (const a of actions) {
      switch (a.kind) {
        case 'schedule':
          if (live && !this.stopped) this.arm(a.checker, a.at);
          break;
        case 'log':
          if (a.level === 'warn') this.deps.logger.warn(a.msg);
          else this.deps.logger.info(a.msg);
          break;
        case 'notify':
          this.counters.scripts++;
          (this.deps.runScript ?? defaultRunScript)({ argv: a.script.argv, uid: a.script.uid, gid: a.script.gid });
          break;
        case 'fifo':
          if (cfg) (this.deps.writeFifo ?? defaultWriteFifo)(a.line, cfg);
          break;
        case 'changed':
          this.applyPending = true;
          if (a.vs === undefined) this.applyAll = true;
          else this.dirty.add(a.vs);
          this.scheduleApply();
          break;
      }
    }
  }

  private arm(id: string, at: number): void {
    this.timers.get(id)?.cancel();
    const gen = this.generation;
    const delay = Math.max(0, at - this.deps.clock.now());
    this.timers.set(
      id,
      this.deps.clock.setTimer(delay, () => {
        this.timers.delete(id);
        if (gen === this.generation) void this.fire(id, gen);
      }),
    );
  }

  private async fire(id: string, gen: number): Promise<void> {
    const policy = this.policy;
    if (!policy) return;
    const d = policy.due(id, this.deps.clock.now());
    this.exec(d.actions, true);
    if (!d.run) return;
    const probe = this.probes.get(id);
    if (!probe) return;
    const ac = new AbortController();
    this.inflight.add(ac);
    this.counters.probes++;
    let r;
    try {
      r = await probe(ac.signal);
    } catch (e) {
      r = { ok: false as const, failure: 'protocol' as const, reason: `probe error: ${(e as Error).message}` };
    } finally {
      this.inflight.delete(ac);
    }
    if (gen !== this.generation || this.stopped || ac.signal.aborted) return;
    if (!r.ok) this.counters.failures++;
    this.exec(policy.result(id, r, this.deps.clock.now()), true);
  }

  /**
   * Coalesces 'changed' into one apply at a time, always with the latest state. Only the virtual
   * servers marked dirty are recomputed, and the driver is told which services changed, so one real
   * server going down among 10,000 costs one service's work; start, reload and stop reconcile all.
   */
  private scheduleApply(): void {
    if (this.applyQueued) return;
    this.applyQueued = true;
    this.applying = this.applying.then(async () => {
      this.applyQueued = false;
      if (!this.applyPending || this.installing) return; // the install schedules it when done
      this.applyPending = false;
      let delta: DesiredDelta | undefined;
      if (this.policy && this.cfg && !this.stopped) {
        if (this.applyAll) this.recomputeAll(this.policy, this.cfg);
        else {
          delta = this.recomputeDirty(this.policy, this.cfg);
          if (delta.services.length === 0 && delta.removed.length === 0) return;
        }
      }
      this.applyAll = false;
      this.dirty.clear();
      try {
        this.counters.applies++;
        await this.deps.apply(delta ? this.desiredView : this.lastDesired, delta);
      } catch (e) {
        this.counters.applyErrors++;
        this.deps.logger.warn(`applying IPVS state failed: ${(e as Error).message}`);
      }
    });
  }

  private recomputeAll(policy: HealthPolicy, cfg: KeepalivedConfig): void {
    const n = cfg.lvs.virtualServers.length;
    this.desiredByVs = new Array<DesiredService[]>(n);
    for (let v = 0; v < n; v++) this.desiredByVs[v] = desiredServicesOf(cfg.lvs, v, policy.vsSnapshot(v));
    this.applyAll = false;
    this.dirty.clear();
    this.flatDesired = null;
  }

  /** Recomputes the dirty virtual servers; returns what differs from what was applied. */
  private recomputeDirty(policy: HealthPolicy, cfg: KeepalivedConfig): DesiredDelta {
    const services: DesiredService[] = [];
    const removed: DesiredService['key'][] = [];
    for (const v of this.dirty) {
      const before = this.desiredByVs[v] ?? [];
      const after = desiredServicesOf(cfg.lvs, v, policy.vsSnapshot(v));
      if (sameServices(before, after)) continue;
      this.desiredByVs[v] = after;
      services.push(...after);
      // a virtual server's keys only change across reloads (a full apply): here it has all or none (ha_suspend)
      if (after.length === 0) for (const s of before) removed.push(s.key);
    }
    this.dirty.clear();
    if (services.length > 0 || removed.length > 0) this.flatDesired = null;
    return { services, removed };
  }
}

let injectedApply: ApplyDesired | null = null;

/**
 * Sets how the registered 'check' subsystem applies desired state. The IPVS driver (outside check/,
 * which must not import ipvs/) calls this at load time with a function that reconciles and sends.
 */
export function setDesiredStateApplier(fn: ApplyDesired): void {
  injectedApply = fn;
}

/** The factory the worker uses: logs through ctx.logger; without an injected applier, desired state is only logged. */
export function createCheckSubsystem(ctx: SubsystemContext, deps: Partial<CheckEngineDeps> = {}): CheckEngine {
  const logger: CheckLogger = {
    info: (m) => ctx.logger.info(m),
    warn: (m) => ctx.logger.warn(m),
  };
  const apply: ApplyDesired =
    deps.apply ??
    ((s) => {
      if (injectedApply) return injectedApply(s);
      ctx.logger.debug({ desired: s }, 'no IPVS applier registered; desired state not applied');
      return Promise.resolve();
    });
  return new CheckEngine({ clock: ctx.clock, logger, dontReleaseIpvs: ctx.options.dontReleaseIpvs, ...deps, apply });
}

registerSubsystem('check', (ctx) => createCheckSubsystem(ctx));
