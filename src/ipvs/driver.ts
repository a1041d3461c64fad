// The IPVS driver of the checker worker: maps DesiredState onto IPVS services, reconciles the services that change against the kernel and applies, owning only its services.
import type { KeepalivedConfig } from '../config/model';
import type { LvsSyncDaemon } from '../config/model/global';
import type { DesiredDelta, DesiredDest, DesiredService, DesiredServiceKey, DesiredState, ApplyDesired } from '../check/desired';
import { createCheckSubsystem, type CheckEngine } from '../check/subsystem';
import { registerSubsystem, type Subsystem, type SubsystemContext } from '../core/subsystem';
import { NetlinkError } from '../netlink/errors';
import type { IpvsDaemon, IpvsDest, IpvsService, IpvsServiceKey, IpvsTimeouts } from './attrs';
import { IpvsClient } from './client';
import { reconcile, sameVirtualServer, serviceKeyId, type IpvsOp, type IpvsVirtualServer } from './reconcile';

/** The logger calls the driver makes (pino's Logger fits). */
export interface IpvsDriverLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** The part of {@link IpvsClient} the driver uses (tests pass an in-memory fake). */
export type IpvsBackend = Pick<
  IpvsClient,
  'listServices' | 'findService' | 'listDests' | 'applyMany' | 'flush' | 'setTimeouts' | 'startDaemon' | 'stopDaemon' | 'close'
>;

/** global_defs settings the driver applies (keepalived's lvs_timeouts, lvs_sync_daemon, lvs_flush, lvs_flush_on_stop). */
export interface IpvsDriverOptions {
  /** `lvs_timeouts`: seconds; an absent value leaves the kernel's as it is. */
  readonly timeouts?: { readonly tcp?: number; readonly tcpfin?: number; readonly udp?: number };
  /** `lvs_sync_daemon`. Without a VRRP instance the driver runs master and backup; with one, the VRRP worker decides. */
  readonly syncDaemon?: Omit<LvsSyncDaemon, 'loc'>;
  /** `lvs_flush`: flush every IPVS service once, before the first apply. */
  readonly flush?: boolean;
  /** `lvs_flush_on_stop`: 'on' flushes the whole table on stop; 'vs' (and the default) remove only our services. */
  readonly flushOnStop?: false | 'on' | 'vs';
  /**
   * 'always' (default): an apply reads from the kernel each service it reconciles (IPVS_CMD_GET_SERVICE of that
   * service, no dump, and its destinations; one service dump instead when many are concerned), so what others
   * changed in them is repaired. 'after-error': reconcile against what the driver last applied, reading only the
   * services an error left in doubt. Either way the first apply reads the whole table (one dump, then the
   * destinations of the desired services it holds), and removing one of our services reads nothing.
   */
  readonly verify?: 'always' | 'after-error';
  /** The IPVS connection (default: {@link IpvsClient.open}, opened on first use). */
  readonly backend?: IpvsBackend | (() => Promise<IpvsBackend>);
}

/** Counters of the driver (SIGUSR2 / stats). */
export interface IpvsDriverStats {
  applies: number;
  /** Operations sent and accepted by the kernel. */
  ops: number;
  /** Operations (or setup steps) that failed; logged with their errno, at most MAX_FAILURE_LINES lines per apply. */
  errors: number;
  /** Kernel reads of the whole service table (IPVS_CMD_GET_SERVICE dumps). */
  dumps: number;
  /** Services read one by one (IPVS_CMD_GET_SERVICE without a dump). */
  reads: number;
  /** Applies that reconciled only some services (a delta, or what differs from the last applied state). */
  partial: number;
  /** Services the driver currently owns. */
  owned: number;
  /** errno -> how many times. */
  errnos: Record<string, number>;
}

/** What {@link createIpvsApply} returns. */
export interface IpvsApply {
  /**
   * Applies a desired state; never rejects (errors are logged and counted). The first apply reconciles the whole
   * state against the whole table. After it, only what changed is read, reconciled and sent: with a delta the
   * services it names, without one the services that differ from what was last applied (a reload, a stop), plus
   * in both cases the services the previous apply failed on.
   */
  readonly apply: ApplyDesired;
  /** Updates global settings (reload): timeouts are re-sent, the sync daemon restarted when it changed. */
  reconfigure(opts: IpvsDriverOptions): Promise<void>;
  /** Ends: with `release`, removes our services (or flushes all with lvs_flush_on_stop) and stops our sync daemons. */
  stop(release: boolean): Promise<void>;
  stats(clear?: boolean): IpvsDriverStats;
  /** Keys of the services the driver owns. */
  owned(): IpvsServiceKey[];
}

/** How long delta applies wait before trying to open IPVS again after a failure, ms (full applies always try). */
export const OPEN_RETRY_MS = 5_000;

/** Failures logged one by one per apply or stop; the others are counted and summed up in one line. */
export const MAX_FAILURE_LINES = 20;

/**
 * Reading services one by one (GET_SERVICE + GET_DEST each) is cheaper than a dump of the whole table (one reply
 * message per service in it) while they are fewer than this share of the services we own, or than DUMP_MIN.
 */
const DUMP_SHARE = 4;
const DUMP_MIN = 32;

/** The attrs-model key of a desired service key (pure). */
export function toIpvsKey(k: DesiredServiceKey): IpvsServiceKey {
  return 'fwmark' in k ? { family: k.family, fwmark: k.fwmark } : { family: k.family, protocol: k.protocol, address: k.address, port: k.port };
}

/** The attrs-model destination of a desired destination (pure). */
export function toIpvsDest(d: DesiredDest): IpvsDest {
  return {
    address: d.address,
    family: d.family,
    port: d.port,
    forward: d.fwdMethod,
    weight: d.weight,
    upperThreshold: d.uThreshold,
    lowerThreshold: d.lThreshold,
    ...(d.fwdMethod === 'tun'
      ? {
          tunnel: {
            type: d.tunType ?? 'ipip',
            ...(d.tunPort !== undefined ? { port: d.tunPort } : {}),
            ...(d.tunFlags !== undefined ? { csum: d.tunFlags } : {}),
          },
        }
      : {}),
  };
}

/**
 * The attrs-model service of a desired service (pure). `hashed` is not sent: IP_VS_SVC_F_HASHED is a kernel-owned
 * bit the kernel sets on every service it hashes (keepalived's `hashed` flag changes nothing either).
 */
export function toIpvsService(s: DesiredService): IpvsService {
  const f = s.flags;
  return {
    key: toIpvsKey(s.key),
    scheduler: s.scheduler,
    ...(f.flag1 || f.flag2 || f.flag3 ? { schedulerFlags: { ...(f.flag1 ? { flag1: true } : {}), ...(f.flag2 ? { flag2: true } : {}), ...(f.flag3 ? { flag3: true } : {}) } } : {}),
    ...(s.onePacket ? { onePacket: true } : {}),
    ...(s.timeout !== null
      ? {
          persistence: {
            timeout: s.timeout,
            ...(s.netmask !== null ? { prefixLength: s.netmask } : {}),
            ...(s.peName ? { engine: s.peName } : {}),
          },
        }
      : {}),
  };
}

/** The reconcile input of a desired state (pure). A key listed twice keeps its first service; duplicate destinations keep the first. */
export function toVirtualServers(state: DesiredState): IpvsVirtualServer[] {
  const seen = new Set<string>();
  const out: IpvsVirtualServer[] = [];
  for (const s of state.services) {
    const service = toIpvsService(s);
    const id = serviceKeyId(service.key);
    if (seen.has(id)) continue;
    seen.add(id);
    const dseen = new Set<string>();
    const dests: IpvsDest[] = [];
    for (const d of s.dests) {
      const did = `${d.family}|${d.address}|${d.port}`;
      if (dseen.has(did)) continue;
      dseen.add(did);
      dests.push(toIpvsDest(d));
    }
    out.push({ service, dests });
  }
  return out;
}

/** The IPVS_CMD_SET_CONFIG value of lvs_timeouts (0 = unchanged), or undefined when none is set (pure). */
export function toTimeouts(t: IpvsDriverOptions['timeouts']): IpvsTimeouts | undefined {
  if (!t || (t.tcp === undefined && t.tcpfin === undefined && t.udp === undefined)) return undefined;
  return { tcp: t.tcp ?? 0, tcpFin: t.tcpfin ?? 0, udp: t.udp ?? 0 };
}

/** The sync daemons the checker runs for lvs_sync_daemon (pure): none when a VRRP instance drives it. */
export function toSyncDaemons(d: IpvsDriverOptions['syncDaemon']): IpvsDaemon[] {
  if (!d || d.vrrpInstance !== undefined) return [];
  const base = {
    interface: d.interface,
    syncId: d.syncId ?? 0,
    ...(d.maxLen !== undefined ? { maxLen: d.maxLen } : {}),
    group: d.group,
    port: d.port,
    ...(d.ttl !== undefined ? { ttl: d.ttl } : {}),
  };
  return [
    { state: 'master', ...base },
    { state: 'backup', ...base },
  ];
}

/** A service as logs name it: "[10.0.0.1]:tcp:80" or "FWM 7". */
function svc(k: IpvsServiceKey): string {
  return 'fwmark' in k ? `FWM ${k.fwmark}${k.family === 'inet6' ? ' (inet6)' : ''}` : `[${k.address}]:${k.protocol}:${k.port}`;
}

/** A short text of an operation for logs, keepalived-like: "adding service [10.0.0.1]:tcp:80 -> [10.0.0.2]:80". */
export function describeOp(op: IpvsOp): string {
  const dst = (d: IpvsDest): string => `[${d.address}]:${d.port}`;
  switch (op.op) {
    case 'add-service':
      return `adding service ${svc(op.service.key)} (${op.service.scheduler})`;
    case 'edit-service':
      return `editing service ${svc(op.service.key)} (${op.service.scheduler})`;
    case 'del-service':
      return `removing service ${svc(op.key)}`;
    case 'add-dest':
      return `adding real server ${dst(op.dest)} to ${svc(op.key)} (weight ${op.dest.weight})`;
    case 'edit-dest':
      return `setting real server ${dst(op.dest)} of ${svc(op.key)} (weight ${op.dest.weight})`;
    case 'del-dest':
      return `removing real server ${dst(op.dest)} from ${svc(op.key)}`;
  }
}

function errnoText(e: unknown): { errno: number | undefined; text: string } {
  if (e instanceof NetlinkError) return { errno: e.errno, text: e.message };
  return { errno: (e as { errno?: number } | null)?.errno, text: e instanceof Error ? e.message : String(e) };
}

function keyOfOp(op: IpvsOp): IpvsServiceKey {
  return op.op === 'add-service' || op.op === 'edit-service' ? op.service.key : op.key;
}

/**
 * The IPVS driver. Keeps the set of services it owns (added by it, or desired by the configuration), so services
 * configured by someone else in the same namespace are never read for changes, edited or removed. It also keeps
 * what it last applied to each of its services, so that a reload or a stop, which hand it the whole desired state,
 * costs requests for what changed only (keepalived compares the old and new configuration the same way). A service
 * an apply failed on (a refused operation, a failed read) is in doubt: the next apply reads and reconciles it
 * again. Operations go in batches (see {@link IpvsClient.applyMany}); a refused one is logged with its errno and
 * counted, and the rest still go (the destinations of a service the kernel refused are skipped). Applies are
 * serialised.
 */
export function createIpvsApply(logger: IpvsDriverLogger, opts: IpvsDriverOptions = {}): IpvsApply {
  let options = opts;
  let backend: IpvsBackend | null = null;
  let opening: Promise<IpvsBackend | null> | null = null;
  let started = false;
  let stopped = false;
  const owned = new Map<string, IpvsServiceKey>();
  /** What the kernel holds for each of our services as far as we know: its desired state as last applied without error. */
  const known = new Map<string, IpvsVirtualServer>();
  /** Services whose kernel state an error left unknown (read again even with verify 'after-error'). */
  const doubt = new Set<string>();
  /** Services the last apply failed on, with what they should be (null: removed): the next apply reconciles them again. */
  const recheck = new Map<string, IpvsVirtualServer | null>();
  let daemons: IpvsDaemon[] = [];
  let chain: Promise<void> = Promise.resolve();
  /** The next apply must read the whole table and reconcile everything (nothing has been read yet). */
  let needFull = true;
  /** Opening failed and was logged: further failures are counted, not logged again, until it works. */
  let openFailLogged = false;
  /** After a failed open, delta applies do not try again before this (performance.now ms): no netlink socket per health change. */
  let openRetryAt = 0;
  /** Failure lines left to log in the current apply (see MAX_FAILURE_LINES), and how many were not logged. */
  let lineBudget = Infinity;
  let unlogged = 0;
  const fresh = (): IpvsDriverStats => ({ applies: 0, ops: 0, errors: 0, dumps: 0, reads: 0, partial: 0, owned: 0, errnos: {} });
  let counters = fresh();

  const fail = (what: string, e: unknown): void => {
    const { errno, text } = errnoText(e);
    counters.errors++;
    const k = errno === undefined ? 'none' : String(errno);
    counters.errnos[k] = (counters.errnos[k] ?? 0) + 1;
    if (lineBudget <= 0) {
      unlogged++;
      return;
    }
    lineBudget--;
    logger.error(`IPVS: ${what} failed: ${text}${errno !== undefined && !text.includes(`errno ${errno}`) ? ` (errno ${errno})` : ''}`);
  };

  /** Runs fn with at most MAX_FAILURE_LINES failure lines, then one line for the rest. */
  const budgeted = async (fn: () => Promise<void>): Promise<void> => {
    lineBudget = MAX_FAILURE_LINES;
    unlogged = 0;
    try {
      await fn();
    } finally {
      if (unlogged > 0) logger.error(`IPVS: ${unlogged} more failure(s) not logged one by one (see the errors counter)`);
      lineBudget = Infinity;
      unlogged = 0;
    }
  };

  /** The backend; `eager` (a full apply) tries at once, a delta apply only once OPEN_RETRY_MS have passed since a failure. */
  const open = async (eager = true): Promise<IpvsBackend | null> => {
    if (backend) return backend;
    if (!opening && !eager && performance.now() < openRetryAt) return null;
    if (!opening) {
      opening = (async (): Promise<IpvsBackend | null> => {
        try {
          const b = options.backend;
          backend = b === undefined ? await IpvsClient.open() : typeof b === 'function' ? await b() : b;
          openFailLogged = false;
          return backend;
        } catch (e) {
          // every apply retries; one line says why, not one per apply (thousands with a flapping pool)
          if (openFailLogged) counters.errors++;
          else fail('opening the IPVS generic netlink family (is ip_vs available?)', e);
          openFailLogged = true;
          openRetryAt = performance.now() + OPEN_RETRY_MS;
          return null;
        } finally {
          opening = null;
        }
      })();
    }
    return opening;
  };

  const setup = async (b: IpvsBackend, first: boolean): Promise<void> => {
    if (first && options.flush) {
      try {
        await b.flush();
        logger.info('IPVS: flushed every virtual server (lvs_flush)');
      } catch (e) {
        fail('lvs_flush', e);
      }
    }
    const t = toTimeouts(options.timeouts);
    if (t) {
      try {
        await b.setTimeouts(t);
      } catch (e) {
        fail(`setting lvs_timeouts tcp ${t.tcp} tcpfin ${t.tcpFin} udp ${t.udp}`, e);
      }
    }
    const want = toSyncDaemons(options.syncDaemon);
    if (JSON.stringify(want) !== JSON.stringify(daemons)) {
      await stopDaemons(b);
      for (const d of want) {
        try {
          await b.startDaemon(d);
          daemons.push(d);
          logger.info(`IPVS: started the ${d.state} sync daemon on ${d.interface} (id ${d.syncId})`);
        } catch (e) {
          fail(`starting the ${d.state} sync daemon on ${d.interface}`, e);
        }
      }
    }
    if (options.syncDaemon?.vrrpInstance !== undefined && first) {
      logger.info(`IPVS: lvs_sync_daemon follows VRRP instance ${options.syncDaemon.vrrpInstance}: left to the VRRP process`);
    }
  };

  const stopDaemons = async (b: IpvsBackend): Promise<void> => {
    for (const d of daemons) {
      try {
        await b.stopDaemon(d.state);
      } catch (e) {
        fail(`stopping the ${d.state} sync daemon`, e);
      }
    }
    daemons = [];
  };

  /**
   * Reads the services `ids` (all desired) from the kernel into `actual`; ids it could not read go to `unread`.
   * One GET_SERVICE (no dump) and one GET_DEST per service, or, when `whole` or when they are many, one dump of
   * the service table and a GET_DEST for each of them it holds. Rejects only when the dump fails.
   */
  const readServices = async (
    b: IpvsBackend,
    ids: readonly string[],
    target: ReadonlyMap<string, IpvsVirtualServer | null>,
    whole: boolean,
    actual: Map<string, IpvsVirtualServer>,
    unread: Set<string>,
  ): Promise<void> => {
    if (whole || ids.length > Math.max(DUMP_MIN, owned.size / DUMP_SHARE)) {
      counters.dumps++;
      const services = await b.listServices();
      const wanted = new Set(ids);
      for (const service of services) {
        const id = serviceKeyId(service.key);
        if (!wanted.has(id)) continue; // someone else's, or not concerned: never read in detail
        try {
          actual.set(id, { service, dests: await b.listDests(service.key) });
        } catch (e) {
          fail(`reading the destinations of ${svc(service.key)}`, e);
          unread.add(id);
        }
      }
      return;
    }
    for (const id of ids) {
      const key = target.get(id)!.service.key;
      try {
        counters.reads++;
        const service = await b.findService(key);
        if (service) actual.set(id, { service, dests: await b.listDests(key) });
      } catch (e) {
        fail(`reading ${svc(key)}`, e);
        unread.add(id);
      }
    }
  };

  const applyNow = async (state: DesiredState, delta: DesiredDelta | undefined): Promise<void> => {
    counters.applies++;
    // Without IPVS there is nothing to map the state for (and no point mapping 10,000 services per apply).
    // Until it opens, needFull stays set: the first apply that gets it reconciles the whole state.
    const b = await open(delta === undefined);
    if (!b) return;
    if (!started) {
      started = true;
      await setup(b, true);
    }
    const full = needFull;
    let desired: IpvsVirtualServer[];
    try {
      desired = toVirtualServers(delta !== undefined && !full ? { services: delta.services } : state);
    } catch (e) {
      fail('mapping the desired state', e);
      return;
    }
    /** The services this apply reconciles: what each should be (null: not desired, removed when ours). */
    const target = new Map<string, IpvsVirtualServer | null>();
    /** Of those, the ones here only because the last apply failed on them: failing again, they wait for a change. */
    const retried = new Set<string>();
    if (full) {
      for (const v of desired) target.set(serviceKeyId(v.service.key), v);
      for (const id of owned.keys()) if (!target.has(id)) target.set(id, null);
    } else if (delta !== undefined) {
      counters.partial++;
      for (const [id, v] of recheck) {
        target.set(id, v);
        retried.add(id);
      }
      const wanted = new Set<string>();
      for (const v of desired) {
        const id = serviceKeyId(v.service.key);
        wanted.add(id);
        target.set(id, v);
        retried.delete(id);
      }
      for (const k of delta.removed) {
        const id = serviceKeyId(toIpvsKey(k));
        if (wanted.has(id)) continue;
        target.set(id, null);
        retried.delete(id);
      }
    } else {
      // The whole desired state (reload, stop): only what differs from what was applied, and what is in doubt.
      counters.partial++;
      const wanted = new Set<string>();
      for (const v of desired) {
        const id = serviceKeyId(v.service.key);
        wanted.add(id);
        const k = known.get(id);
        if (!k || !sameVirtualServer(k, v)) target.set(id, v);
      }
      for (const id of known.keys()) if (!wanted.has(id)) target.set(id, null);
      for (const id of owned.keys()) if (!wanted.has(id)) target.set(id, null);
    }
    recheck.clear();

    // Reads: a removal needs none (DEL_SERVICE of a service we own; ESRCH means it is gone already).
    const actual = new Map<string, IpvsVirtualServer>();
    const unread = new Set<string>();
    const toRead: string[] = [];
    for (const [id, v] of target) {
      if (!v) continue;
      if (full || options.verify !== 'after-error' || doubt.has(id)) toRead.push(id);
      else {
        const k = known.get(id);
        if (k) actual.set(id, k);
      }
    }
    try {
      await readServices(b, toRead, target, full, actual, unread);
    } catch (e) {
      fail('reading the IPVS table', e);
      if (full) return; // nothing known yet: the next apply reads the whole table again
      for (const id of toRead) unread.add(id);
    }
    needFull = false;

    const failed = new Set<string>(unread);
    const want: IpvsVirtualServer[] = [];
    const have: IpvsVirtualServer[] = [];
    for (const [id, v] of target) {
      if (!v || failed.has(id)) continue;
      want.push(v);
      const a = actual.get(id);
      if (a) have.push(a);
    }
    let ops: IpvsOp[] = [];
    try {
      ops = reconcile(want, have);
    } catch (e) {
      fail('reconciling', e);
      for (const v of want) failed.add(serviceKeyId(v.service.key));
    }
    for (const [id, v] of target) {
      const key = v ? undefined : owned.get(id);
      if (key) ops.push({ op: 'del-service', key });
    }
    // Desired services are ours from now on (keepalived removes them on stop even if they pre-existed).
    for (const v of want) if (!failed.has(serviceKeyId(v.service.key))) owned.set(serviceKeyId(v.service.key), v.service.key);
    if (ops.length > 0) {
      try {
        for (const r of await b.applyMany(ops)) {
          if ('error' in r) {
            const id = serviceKeyId(keyOfOp(r.op));
            failed.add(id);
            fail(describeOp(r.op), r.error);
            if (r.op.op === 'add-service') owned.delete(id);
          } else if ('skipped' in r) failed.add(serviceKeyId(keyOfOp(r.op)));
          else {
            counters.ops++;
            if (r.op.op === 'del-service') owned.delete(serviceKeyId(r.op.key));
          }
        }
      } catch (e) {
        fail('applying the IPVS operations', e);
        for (const id of target.keys()) failed.add(id);
      }
    }
    for (const [id, v] of target) {
      if (failed.has(id)) {
        known.delete(id);
        doubt.add(id);
        if (!retried.has(id)) recheck.set(id, v);
      } else {
        doubt.delete(id);
        if (v) known.set(id, v);
        else known.delete(id);
      }
    }
    counters.owned = owned.size;
  };

  const serial = (fn: () => Promise<void>): Promise<void> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };

  return {
    apply: (state, delta) =>
      serial(() =>
        budgeted(async () => {
          if (stopped) return;
          try {
            await applyNow(state, delta);
          } catch (e) {
            needFull = true; // an unexpected failure: what is known cannot be trusted
            known.clear();
            fail('applying the desired state', e);
          }
        }),
      ),
    reconfigure: (o) =>
      serial(async () => {
        options = { ...o, backend: options.backend ?? o.backend };
        if (!started || !backend) return;
        await setup(backend, false);
      }),
    stop: (release) =>
      serial(() =>
        budgeted(async () => {
          if (stopped) return;
          stopped = true;
          const b = backend;
          if (!b) return;
          if (release) {
            if (options.flushOnStop === 'on') {
              try {
                await b.flush();
                logger.info('IPVS: flushed every virtual server (lvs_flush_on_stop)');
              } catch (e) {
                fail('lvs_flush_on_stop', e);
              }
            } else if (owned.size > 0) {
              // One DEL_SERVICE per service we own, nothing read: the kernel removes a service's destinations with it.
              try {
                for (const r of await b.applyMany([...owned.values()].map((key) => ({ op: 'del-service' as const, key })))) {
                  if ('error' in r) fail(describeOp(r.op), r.error);
                  else if (!('skipped' in r)) counters.ops++;
                }
              } catch (e) {
                fail('removing our virtual servers', e);
              }
            }
            owned.clear();
            known.clear();
            await stopDaemons(b);
          }
          counters.owned = owned.size;
          b.close();
          backend = null;
        }),
      ),
    stats: (clear = false) => {
      const out = { ...counters, errnos: { ...counters.errnos }, owned: owned.size };
      if (clear) counters = fresh();
      return out;
    },
    owned: () => [...owned.values()],
  };
}

/** The driver's options from a configuration's global_defs. */
export function driverOptions(cfg: KeepalivedConfig): IpvsDriverOptions {
  const g = cfg.global;
  return {
    ...(g.lvsTimeouts ? { timeouts: g.lvsTimeouts } : {}),
    ...(g.lvsSyncDaemon ? { syncDaemon: g.lvsSyncDaemon } : {}),
    flush: g.lvsFlush,
    flushOnStop: g.lvsFlushOnStop,
  };
}

/**
 * The checker subsystem with the IPVS driver attached: the health engine computes desired state, the driver
 * applies it; on stop the engine withdraws its services (unless -I) and the driver releases the rest.
 */
export function createCheckSubsystemWithIpvs(ctx: SubsystemContext, backend?: IpvsDriverOptions['backend']): Subsystem {
  let driver: IpvsApply | null = null;
  const base: IpvsDriverOptions = backend ? { backend } : {};
  const logger: IpvsDriverLogger = { info: (m) => ctx.logger.info(m), warn: (m) => ctx.logger.warn(m), error: (m) => ctx.logger.error(m) };
  const apply: ApplyDesired = (s, delta) => (driver ? driver.apply(s, delta) : Promise.resolve());
  const engine: CheckEngine = createCheckSubsystem(ctx, { apply });
  const release = !ctx.options.dontReleaseIpvs;
  return {
    async start(cfg) {
      driver = createIpvsApply(logger, { ...driverOptions(cfg), ...base });
      await engine.start(cfg);
    },
    async reload(cfg) {
      await driver?.reconfigure({ ...driverOptions(cfg), ...base });
      await engine.reload(cfg);
    },
    async stop() {
      await engine.stop();
      await driver?.stop(release);
    },
    dump: () => ({ ...(engine.dump() as object), ipvsOwned: driver?.owned() ?? [] }),
    stats: (clear) => ({ ...(engine.stats(clear) as object), ipvs: driver?.stats(clear) ?? null }),
  };
}

registerSubsystem('check', (ctx) => createCheckSubsystemWithIpvs(ctx));
