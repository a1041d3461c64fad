// The checker engine: runs probes on timers, feeds the policy, applies desired IPVS state, runs notify scripts and FIFO lines.
import { spawn } from 'node:child_process';
import { closeSync, constants as fsc, openSync, writeSync } from 'node:fs';
import type { KeepalivedConfig } from '../config/model';
import type { Clock, TimerHandle } from '../core/clock';
import { registerSubsystem, type Subsystem, type SubsystemContext } from '../core/subsystem';
import type { ApplyDesired, DesiredState } from './desired';
import { computeDesired } from './manager';
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

/** The checker engine (keepalived's healthcheckers process), independent of the worker plumbing. */
export class CheckEngine implements Subsystem {
  private cfg: KeepalivedConfig | null = null;
  private policy: HealthPolicy | null = null;
  private probes = new Map<string, Probe>();
  private timers = new Map<string, TimerHandle>();
  private inflight = new Set<AbortController>();
  private applyPending = false;
  private applying: Promise<void> = Promise.resolve();
  private generation = 0;
  private stopped = false;
  private counters: CheckStats = { probes: 0, failures: 0, applies: 0, applyErrors: 0, scripts: 0 };
  private pingRange: PingGroupRange | null = null;
  /** The last desired state handed to apply (for dumps and tests). */
  lastDesired: DesiredState = { services: [] };

  constructor(private readonly deps: CheckEngineDeps) {}

  async start(cfg: KeepalivedConfig): Promise<void> {
    this.install(cfg, undefined);
    await this.flush();
  }

  async reload(cfg: KeepalivedConfig): Promise<void> {
    const old = this.policy ?? undefined;
    this.halt();
    this.install(cfg, old);
    await this.flush();
  }

  async stop(): Promise<void> {
    this.halt();
    this.stopped = true;
    if (this.policy) this.exec(this.policy.stop(), false);
    if (!this.deps.dontReleaseIpvs) this.lastDesired = { services: [] };
    this.applyPending = true;
    this.scheduleApply(true);
    await this.flush();
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

  private install(cfg: KeepalivedConfig, previous: HealthPolicy | undefined): void {
    this.cfg = cfg;
    this.stopped = false;
    this.generation++;
    const policy = new HealthPolicy(cfg.lvs, this.deps.random ? { random: this.deps.random } : {});
    this.policy = policy;
    this.probes.clear();
    this.preparePing(policy);
    for (const c of policy.checkers.values()) {
      const p = makeProbe(cfg, c.vs, c.rs, c.index, this.deps.probeDeps);
      if (p) this.probes.set(c.id, p);
    }
    this.exec(policy.start(this.deps.clock.now(), previous), true);
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
          this.scheduleApply(false);
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

  /** Coalesces 'changed' into one apply at a time, always with the latest state. */
  private scheduleApply(final: boolean): void {
    this.applying = this.applying.then(async () => {
      if (!this.applyPending) return;
      this.applyPending = false;
      if (!final && this.policy && this.cfg && !this.stopped) this.lastDesired = computeDesired(this.cfg.lvs, this.policy.snapshot());
      try {
        this.counters.applies++;
        await this.deps.apply(this.lastDesired);
      } catch (e) {
        this.counters.applyErrors++;
        this.deps.logger.warn(`applying IPVS state failed: ${(e as Error).message}`);
      }
    });
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
