// The health-check policy (pure, time injected): retries, delay_loop, warmup, alpha/omega, real server and quorum state, notifications.
import type { DeepReadonly } from '../config/model';
import type { Checker, CheckerCommon, LvsConfig, LvsScript, RealServer, VirtualServer } from '../config/model/lvs';
import { ipText } from './types';
import type { ProbeResult } from './types';
import { protoName } from './types';

type RoVs = DeepReadonly<VirtualServer>;
type RoRs = DeepReadonly<RealServer>;
type RoChecker = DeepReadonly<Checker>;
type RoScript = DeepReadonly<LvsScript>;

/** keepalived's IPVS_WEIGHT_FAULT: a tracked file pushing the weight this low fails the real server. */
export const IPVS_WEIGHT_FAULT = -254;

/** What the policy asks its driver to do. Times are monotonic milliseconds. */
export type PolicyAction =
  | { readonly kind: 'schedule'; readonly checker: string; readonly at: number }
  | { readonly kind: 'log'; readonly level: 'info' | 'warn'; readonly msg: string }
  | {
      readonly kind: 'notify';
      readonly script: RoScript;
      readonly event: 'rs-up' | 'rs-down' | 'quorum-up' | 'quorum-down';
      readonly vs: string;
      readonly rs?: string;
    }
  | { readonly kind: 'fifo'; readonly line: string }
  /**
   * The desired IPVS state may have changed: recompute and apply it. `vs` is the index of the only
   * virtual server concerned; absent, every one may have changed.
   */
  | { readonly kind: 'changed'; readonly vs?: number };

/** Options of {@link HealthPolicy}. */
export interface PolicyOptions {
  /** Uniform [0, 1): the warmup's random initial delay. Default Math.random. */
  readonly random?: () => number;
  /** How often FILE_CHECK files are re-read, ms (keepalived uses inotify; default 1000). */
  readonly filePollMs?: number;
}

/** One checker's state (keepalived's checker_t flags). */
export interface CheckerState {
  readonly id: string;
  readonly vs: number;
  readonly rs: number;
  readonly index: number;
  readonly type: Checker['type'];
  /** Display name for logs, e.g. "TCP_CHECK". */
  readonly label: string;
  isUp: boolean;
  hasRun: boolean;
  retryIt: number;
  readonly retry: number;
  readonly delayLoopMs: number;
  readonly delayBeforeRetryMs: number;
  readonly warmupMs: number;
  readonly alpha: boolean;
  readonly logAllFailures: boolean;
  /** FILE_CHECK's current weight contribution. */
  weightDelta: number;
  /** Last failure text, for dumps. */
  lastReason: string | null;
  /** Comparison key for reload migration (type + options that identify the check). */
  readonly signature: string;
}

/** One real server's state. */
export interface RsState {
  readonly name: string;
  alive: boolean;
  failed: number;
  /** misc_dynamic's absolute weight, when one has been set. */
  dynamicWeight: number | null;
  readonly inhibit: boolean;
  reloaded: boolean;
}

/** One virtual server's state. */
export interface VsState {
  readonly name: string;
  quorumUp: boolean;
  sorryActive: boolean;
  suspended: boolean;
}

/** Read-only health, parallel to the configuration's arrays: what the manager turns into IPVS state. */
export interface HealthSnapshot {
  readonly vs: readonly {
    readonly name: string;
    readonly quorumUp: boolean;
    readonly sorryActive: boolean;
    readonly suspended: boolean;
    readonly rs: readonly { readonly name: string; readonly alive: boolean; readonly weight: number; readonly inhibit: boolean }[];
  }[];
}

const LABEL: Record<Checker['type'], string> = {
  TCP_CHECK: 'TCP_CHECK',
  HTTP_GET: 'HTTP_CHECK',
  SSL_GET: 'SSL_CHECK',
  SMTP_CHECK: 'SMTP_CHECK',
  DNS_CHECK: 'DNS_CHECK',
  UDP_CHECK: 'UDP_CHECK',
  PING_CHECK: 'PING_CHECK',
  MISC_CHECK: 'MISC_CHECK',
  FILE_CHECK: 'FILE_CHECK',
  BFD_CHECK: 'BFD_CHECK',
};

/** keepalived's FMT_RS: "[10.0.0.2]:tcp:80". */
export function formatRs(vs: RoVs, rs: RoRs): string {
  return `[${ipText(rs.address)}]:${vsProto(vs)}:${rs.port}`;
}

const SIGNATURE_SKIP: ReadonlySet<string> = new Set(['loc', 'timers', 'own', 'alpha', 'logAllFailures', 'enabled']);

/** Checker fields that identify "the same check" across a reload (keepalived's compare()). */
export function checkerSignature(c: RoChecker): string {
  return JSON.stringify(c, (k, v: unknown) => {
    if (SIGNATURE_SKIP.has(k)) return undefined;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    return v;
  });
}

/** keepalived's real_weight(): the kernel takes no negative weights. */
export function realWeight(w: number): number {
  return w < 0 ? 0 : Math.min(w, 0x7fffffff);
}

/** The protocol word of a virtual server's service names (fwmark services default to tcp). */
export function vsProto(vs: RoVs): 'tcp' | 'udp' | 'sctp' {
  return vs.protocol === null && vs.address.kind === 'fwmark' ? 'tcp' : protoName(vs.protocol);
}

const us2ms = (us: number): number => Math.round(us / 1000);

/**
 * The policy of every checker, real server and virtual server of one configuration. Pure: the driver
 * feeds it time and probe results and executes the actions it returns.
 */
export class HealthPolicy {
  readonly checkers = new Map<string, CheckerState>();
  readonly vsStates: VsState[];
  readonly rsStates: RsState[][];
  /** The checkers of each real server ([vs][rs]), so per-server work never scans every checker. */
  readonly rsCheckers: CheckerState[][][];
  private readonly random: () => number;
  private readonly filePollMs: number;

  constructor(
    readonly lvs: DeepReadonly<LvsConfig>,
    opts: PolicyOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
    this.filePollMs = opts.filePollMs ?? 1000;
    this.vsStates = lvs.virtualServers.map((vs) => ({ name: vs.name, quorumUp: false, sorryActive: false, suspended: false }));
    this.rsStates = lvs.virtualServers.map((vs) =>
      vs.realServers.map((rs) => ({
        name: formatRs(vs, rs),
        alive: false,
        failed: 0,
        dynamicWeight: null,
        inhibit: rs.inhibitOnFailure ?? vs.inhibitOnFailure,
        reloaded: false,
      })),
    );
    this.rsCheckers = lvs.virtualServers.map((vs) => vs.realServers.map(() => []));
    lvs.virtualServers.forEach((vs, v) =>
      vs.realServers.forEach((rs, r) =>
        rs.checkers.forEach((c, k) => {
          if (c.type === 'BFD_CHECK') return; // driven by the BFD process, not probed here
          if (c.type === 'MISC_CHECK' && (!c.enabled || c.path === null)) return;
          const id = `${v}/${r}/${k}`;
          const isFile = c.type === 'FILE_CHECK';
          const t = isFile ? null : c.timers;
          const alpha = isFile ? false : (c.alpha ?? rs.alpha ?? vs.alpha);
          const delayLoopMs = t ? us2ms(t.delayLoop) : this.filePollMs;
          const st: CheckerState = {
            id,
            vs: v,
            rs: r,
            index: k,
            type: c.type,
            label: LABEL[c.type],
            isUp: !alpha,
            hasRun: false,
            retryIt: 0,
            retry: t ? t.retry : 0,
            delayLoopMs,
            delayBeforeRetryMs: t ? us2ms(t.delayBeforeRetry) : this.filePollMs,
            warmupMs: isFile ? 0 : warmupMs(c, rs, vs, delayLoopMs),
            alpha,
            logAllFailures: isFile ? false : c.logAllFailures,
            weightDelta: 0,
            lastReason: null,
            signature: checkerSignature(c),
          };
          this.checkers.set(id, st);
          this.rsCheckers[v]![r]!.push(st);
        }),
      ),
    );
  }

  /** The configuration objects of a checker id. */
  configOf(id: string): { vs: RoVs; rs: RoRs; checker: RoChecker } {
    const c = this.mustGet(id);
    const vs = this.lvs.virtualServers[c.vs]!;
    const rs = vs.realServers[c.rs]!;
    return { vs, rs, checker: rs.checkers[c.index]! };
  }

  private mustGet(id: string): CheckerState {
    const c = this.checkers.get(id);
    if (!c) throw new Error(`unknown checker ${id}`);
    return c;
  }

  /** The effective weight of a real server: configured (or misc_dynamic's) plus tracked files' deltas. */
  effectiveWeight(v: number, r: number): number {
    const st = this.rsStates[v]![r]!;
    let w = st.dynamicWeight ?? this.lvs.virtualServers[v]!.realServers[r]!.weight;
    for (const c of this.rsCheckers[v]![r]!) w += c.weightDelta;
    return w;
  }

  private liveWeight(v: number): number {
    let sum = 0;
    const states = this.rsStates[v]!;
    for (let r = 0; r < states.length; r++) if (states[r]!.alive) sum += realWeight(this.effectiveWeight(v, r));
    return sum;
  }

  /**
   * Initial state (keepalived's init_services): real servers without failed (alpha) checkers join the
   * pool, quorum is computed, sorry servers are added, and every checker's first run is scheduled
   * (after a random part of its warmup). With `previous`, state is migrated first (a reload).
   */
  start(now: number, previous?: HealthPolicy): PolicyAction[] {
    const out: PolicyAction[] = [];
    if (previous) this.migrate(previous, out);
    this.lvs.virtualServers.forEach((vs, v) => {
      this.rsStates[v]!.forEach((st, r) => {
        if (st.reloaded) return;
        st.failed = 0;
        for (const c of this.rsCheckers[v]![r]!) if (!c.isUp) st.failed++;
        if (st.failed === 0 && !st.alive) st.alive = true;
      });
      const vst = this.vsStates[v]!;
      if (!previous || !previous.vsStates.some((o) => o.name === vst.name)) vst.quorumUp = this.liveWeight(v) >= vs.quorum + vs.hysteresis;
      this.updateQuorum(v, true, out);
    });
    for (const c of this.checkers.values()) {
      const delay = c.warmupMs > 0 ? Math.floor(this.random() * c.warmupMs) : 0;
      out.push({ kind: 'schedule', checker: c.id, at: now + delay });
    }
    out.push({ kind: 'changed' });
    return out;
  }

  /** keepalived's compare/migrate on reload: keep up/down state of unchanged checkers and real servers. */
  private migrate(old: HealthPolicy, out: PolicyAction[]): void {
    const vsByName = firstIndexByName(this.vsStates);
    old.lvs.virtualServers.forEach((ovs, ov) => {
      const nv = vsByName.get(old.vsStates[ov]!.name) ?? -1;
      if (nv < 0) {
        out.push({ kind: 'log', level: 'info', msg: ovs.address.kind === 'group' ? `Removing Virtual Server Group [${ovs.address.group}]` : `Removing Virtual Server ${ovs.name}` });
        return;
      }
      const nvst = this.vsStates[nv]!;
      const ovst = old.vsStates[ov]!;
      nvst.quorumUp = ovst.quorumUp;
      nvst.sorryActive = ovst.sorryActive && this.lvs.virtualServers[nv]!.sorryServer !== null;
      nvst.suspended = ovst.suspended;
      const rsByName = firstIndexByName(this.rsStates[nv]!);
      old.rsStates[ov]!.forEach((ors, or) => {
        const nr = rsByName.get(ors.name) ?? -1;
        if (nr < 0) {
          out.push({ kind: 'log', level: 'info', msg: `service ${ors.name} no longer exist` });
          if (ors.alive) out.push({ kind: 'log', level: 'info', msg: `Removing service ${ors.name} from VS ${ovs.name}` });
          return;
        }
        const nrs = this.rsStates[nv]![nr]!;
        nrs.alive = ors.alive;
        nrs.dynamicWeight = ors.dynamicWeight;
        nrs.reloaded = true;
        const oldCs = old.rsCheckers[ov]![or]!;
        const newCs = this.rsCheckers[nv]![nr]!;
        const used = new Set<CheckerState>();
        for (const nc of newCs) {
          const oc = oldCs.find((o) => !used.has(o) && (ovst.sorryActive || (o.type === nc.type && o.signature === nc.signature)));
          if (!oc) continue;
          used.add(oc);
          if (oc.hasRun) nc.isUp = oc.isUp;
          nc.hasRun = oc.hasRun;
          nc.weightDelta = oc.weightDelta;
          if (!nc.isUp) nc.retryIt = nc.retry + 1;
          else nc.retryIt = Math.min(oc.retryIt, nc.retry);
        }
        nrs.failed = newCs.filter((c) => c.hasRun && !c.isUp).length;
        const anyRun = newCs.some((c) => c.hasRun);
        if (nrs.failed > 0 || (!nrs.alive && !anyRun)) {
          for (const c of newCs) {
            if (c.hasRun) continue;
            if (c.alpha && c.isUp) {
              c.isUp = false;
              nrs.failed++;
            }
            c.retryIt = c.retry;
          }
        }
        if (nrs.failed === 0 && !nrs.alive) this.performSvrState(true, nv, nr, out);
        else if (nrs.failed > 0 && nrs.alive) {
          nrs.alive = false;
          out.push({ kind: 'log', level: 'info', msg: `Removing service ${nrs.name} from VS ${nvst.name}` });
        }
      });
    });
  }

  /**
   * A checker's timer fired. Returns whether to run its probe now (false while its virtual server is
   * suspended by ha_suspend: it is simply rescheduled after delay_loop).
   */
  due(id: string, now: number): { run: boolean; actions: PolicyAction[] } {
    const c = this.mustGet(id);
    if (this.vsStates[c.vs]!.suspended) return { run: false, actions: [{ kind: 'schedule', checker: id, at: now + c.delayLoopMs }] };
    return { run: true, actions: [] };
  }

  /** One probe attempt finished: apply retry policy, update real server and quorum state. */
  result(id: string, r: ProbeResult, now: number): PolicyAction[] {
    const c = this.checkers.get(id);
    if (!c) return [];
    const out: PolicyAction[] = [];
    const vsName = this.vsStates[c.vs]!.name;
    const rsName = this.rsStates[c.vs]![c.rs]!.name;
    c.lastReason = r.ok ? null : r.reason;

    if (c.type === 'FILE_CHECK') {
      const delta = r.weightDelta ?? 0;
      if (delta !== c.weightDelta) {
        const before = realWeight(this.effectiveWeight(c.vs, c.rs));
        c.weightDelta = delta;
        this.weightChanged(c.vs, c.rs, before, out);
      }
      if (r.ok !== c.isUp || !c.hasRun) this.updateCheckerState(c, r.ok, out);
      out.push({ kind: 'schedule', checker: id, at: now + c.delayLoopMs });
      return out;
    }

    if (!r.ok && (c.isUp || c.logAllFailures)) out.push({ kind: 'log', level: 'info', msg: `${c.label} on service ${rsName} of VS ${vsName}: ${r.reason}` });

    let delay = c.delayLoopMs;
    if (r.ok) {
      c.retryIt = 0;
      if (r.weight !== undefined) this.setDynamicWeight(c.vs, c.rs, r.weight, out);
      if (!c.isUp || !c.hasRun) {
        if (!c.isUp) out.push({ kind: 'log', level: 'info', msg: successText(c, rsName, r.detail) });
        this.updateCheckerState(c, true, out);
      }
    } else if (c.isUp || !c.hasRun) {
      if (c.retryIt >= c.retry) {
        c.retryIt = 0;
        if (c.isUp) out.push({ kind: 'log', level: 'info', msg: failedText(c, rsName) });
        this.updateCheckerState(c, false, out);
      } else {
        c.retryIt++;
        delay = c.delayBeforeRetryMs;
      }
    }
    out.push({ kind: 'schedule', checker: id, at: now + delay });
    return out;
  }

  /** keepalived's update_svr_checker_state(). */
  private updateCheckerState(c: CheckerState, alive: boolean, out: PolicyAction[]): void {
    const st = this.rsStates[c.vs]![c.rs]!;
    if (c.isUp === alive) {
      if (!c.hasRun) {
        if (c.alpha || !alive) this.rsNotifies(c.vs, c.rs, out);
        c.hasRun = true;
      }
      return;
    }
    c.hasRun = true;
    if (alive) {
      if (st.failed <= 1) this.performSvrState(true, c.vs, c.rs, out);
    } else if (st.failed === 0) this.performSvrState(false, c.vs, c.rs, out);
    c.isUp = alive;
    if (!alive) st.failed++;
    else if (st.failed > 0) st.failed--;
  }

  /** keepalived's perform_svr_state(): a real server joins or leaves the pool. */
  private performSvrState(alive: boolean, v: number, r: number, out: PolicyAction[]): void {
    const st = this.rsStates[v]![r]!;
    if (st.alive === alive) return;
    const vsName = this.vsStates[v]!.name;
    const verb = alive ? (st.inhibit ? 'Enabling' : 'Adding') : st.inhibit ? 'Disabling' : 'Removing';
    const prep = st.inhibit ? 'of' : alive ? 'to' : 'from';
    out.push({ kind: 'log', level: 'info', msg: `${verb} service ${st.name} ${prep} VS ${vsName}` });
    st.alive = alive;
    out.push({ kind: 'changed', vs: v });
    this.rsNotifies(v, r, out);
    this.updateQuorum(v, false, out);
  }

  private setDynamicWeight(v: number, r: number, weight: number, out: PolicyAction[]): void {
    const before = realWeight(this.effectiveWeight(v, r));
    this.rsStates[v]![r]!.dynamicWeight = weight;
    this.weightChanged(v, r, before, out);
  }

  /** keepalived's update_svr_wgt(): log, push to IPVS, re-evaluate quorum. */
  private weightChanged(v: number, r: number, before: number, out: PolicyAction[]): void {
    const after = realWeight(this.effectiveWeight(v, r));
    if (after === before) return;
    const st = this.rsStates[v]![r]!;
    out.push({
      kind: 'log',
      level: 'info',
      msg: `Changing weight from ${before} to ${after} for ${st.alive ? '' : 'in'}active service ${st.name} of VS ${this.vsStates[v]!.name}`,
    });
    out.push({ kind: 'changed', vs: v });
    this.updateQuorum(v, false, out);
  }

  /** keepalived's update_quorum_state(): gain/loss of quorum, with hysteresis, and the sorry server. */
  private updateQuorum(v: number, init: boolean, out: PolicyAction[]): void {
    const vs = this.lvs.virtualServers[v]!;
    const st = this.vsStates[v]!;
    const sum = this.liveWeight(v);
    const threshold = vs.quorum + (st.quorumUp ? -1 : 1) * vs.hysteresis;
    const sorry = vs.sorryServer ? `[${ipText(vs.sorryServer.address)}]:${vsProto(vs)}:${vs.sorryServer.port}` : null;
    if (!st.quorumUp && sum >= threshold) {
      st.quorumUp = true;
      out.push({ kind: 'log', level: 'info', msg: `Gained quorum ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${sum} for VS ${st.name}` });
      if (sorry && st.sorryActive) {
        out.push({ kind: 'log', level: 'info', msg: `${vs.sorryServer!.inhibit ? 'Disabling' : 'Removing'} sorry server ${sorry} from VS ${st.name}` });
        st.sorryActive = false;
        out.push({ kind: 'log', level: 'info', msg: `Adding alive servers to the pool for VS ${st.name}` });
      }
      out.push({ kind: 'changed', vs: v });
      this.vsNotifies(v, out);
    } else if ((st.quorumUp && (sum === 0 || sum < threshold)) || (init && !st.quorumUp && sorry !== null && !st.sorryActive)) {
      st.quorumUp = false;
      out.push({ kind: 'log', level: 'info', msg: `${init ? 'Starting with quorum down' : 'Lost quorum'} ${vs.quorum}-${vs.hysteresis}=${threshold} > ${sum} for VS ${st.name}` });
      if (sorry && !st.sorryActive) {
        out.push({ kind: 'log', level: 'info', msg: `${vs.sorryServer!.inhibit ? 'Enabling' : 'Adding'} sorry server ${sorry} to VS ${st.name}` });
        out.push({ kind: 'log', level: 'info', msg: `Removing alive servers from the pool for VS ${st.name}` });
        st.sorryActive = true;
      }
      out.push({ kind: 'changed', vs: v });
      this.vsNotifies(v, out);
    }
  }

  private rsNotifies(v: number, r: number, out: PolicyAction[]): void {
    const vs = this.lvs.virtualServers[v]!;
    const rs = vs.realServers[r]!;
    const st = this.rsStates[v]![r]!;
    const script = st.alive ? rs.notifyUp : rs.notifyDown;
    if (script && script.enabled) out.push({ kind: 'notify', script, event: st.alive ? 'rs-up' : 'rs-down', vs: vs.name, rs: st.name });
    out.push({ kind: 'fifo', line: `RS ${st.name} ${vs.name} ${st.alive ? 'UP' : 'DOWN'}` });
  }

  private vsNotifies(v: number, out: PolicyAction[]): void {
    const vs = this.lvs.virtualServers[v]!;
    const st = this.vsStates[v]!;
    const script = st.quorumUp ? vs.quorumUp : vs.quorumDown;
    if (script && script.enabled) out.push({ kind: 'notify', script, event: st.quorumUp ? 'quorum-up' : 'quorum-down', vs: vs.name });
    out.push({ kind: 'fifo', line: `VS ${vs.name} ${st.quorumUp ? 'UP' : 'DOWN'}` });
  }

  /** ha_suspend: suspend (VIP absent) or resume a virtual server's checks. */
  setSuspended(v: number, suspended: boolean): PolicyAction[] {
    const st = this.vsStates[v];
    if (!st || st.suspended === suspended || !this.lvs.virtualServers[v]!.haSuspend) return [];
    st.suspended = suspended;
    return [
      { kind: 'log', level: 'info', msg: `${suspended ? 'Suspending' : 'Resuming'} healthcheckers for VS ${st.name}` },
      { kind: 'changed', vs: v },
    ];
  }

  /**
   * Shutdown (keepalived's clear_services): real servers are shut down; with omega, RS and VS down
   * notifiers run "all the way down".
   */
  stop(): PolicyAction[] {
    const out: PolicyAction[] = [];
    this.lvs.virtualServers.forEach((vs, v) => {
      this.rsStates[v]!.forEach((st, r) => {
        if (!st.alive && !st.inhibit) return;
        out.push({ kind: 'log', level: 'info', msg: `Shutting down service ${st.name} from VS ${vs.name}` });
        if (!st.alive) return;
        st.alive = false;
        if (vs.omega) this.rsNotifies(v, r, out);
      });
      const vst = this.vsStates[v]!;
      vst.quorumUp = false;
      if (vs.omega) this.vsNotifies(v, out);
    });
    out.push({ kind: 'changed' });
    return out;
  }

  /** The health the manager needs to compute desired IPVS state. */
  snapshot(): HealthSnapshot {
    return { vs: this.vsStates.map((_s, v) => this.vsSnapshot(v)) };
  }

  /** The health of one virtual server (what {@link snapshot} holds at index v). */
  vsSnapshot(v: number): HealthSnapshot['vs'][number] {
    const s = this.vsStates[v]!;
    return {
      name: s.name,
      quorumUp: s.quorumUp,
      sorryActive: s.sorryActive,
      suspended: s.suspended,
      rs: this.rsStates[v]!.map((rs, r) => ({ name: rs.name, alive: rs.alive, weight: realWeight(this.effectiveWeight(v, r)), inhibit: rs.inhibit })),
    };
  }
}

/** Index of the first entry of each name (a name listed twice keeps its first, as findIndex did). */
function firstIndexByName(items: readonly { readonly name: string }[]): Map<string, number> {
  const m = new Map<string, number>();
  items.forEach((x, i) => {
    if (!m.has(x.name)) m.set(x.name, i);
  });
  return m;
}

/**
 * The random start window of a checker, ms. keepalived 2.4 (check_parser.c) defaults an unset warmup to
 * the checker's delay_loop ("checker->warmup = rs->warmup != ULONG_MAX ? rs->warmup : checker->delay_loop"),
 * so the first checks of a large configuration are spread over one delay_loop instead of all starting
 * at once (check_api.c register_checkers_thread: "wait for a random timeout to begin checker thread").
 */
function warmupMs(c: DeepReadonly<CheckerCommon>, rs: RoRs, vs: RoVs, delayLoopMs: number): number {
  const set = c.own.warmup ?? rs.own.warmup ?? vs.own.warmup;
  return set === undefined ? delayLoopMs : us2ms(set);
}

function successText(c: CheckerState, rs: string, detail: string | undefined): string {
  switch (c.type) {
    case 'TCP_CHECK':
      return `TCP connection to ${rs} success.`;
    case 'MISC_CHECK':
      return `Misc check for ${rs} succeeded.`;
    default:
      return `${c.label} on service ${rs} succeeded${detail ? ` (${detail})` : ''}.`;
  }
}

function failedText(c: CheckerState, rs: string): string {
  if (c.type === 'MISC_CHECK') return `Misc check for ${rs} failed after ${c.retry} retries.`;
  return `${c.label} on service ${rs} failed after ${c.retry} retries.`;
}
