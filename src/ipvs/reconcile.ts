// Pure IPVS reconciliation: desired services/destinations vs what the kernel has -> the minimal list of operations.
import {
  canonicalAddress,
  destFamily,
  serviceFlags,
  type IpvsDest,
  type IpvsFamily,
  type IpvsService,
  type IpvsServiceKey,
} from './attrs';

/** A virtual service with its destinations. */
export interface IpvsVirtualServer {
  readonly service: IpvsService;
  readonly dests: readonly IpvsDest[];
}

/** One change to apply, in order. */
export type IpvsOp =
  | { readonly op: 'add-service'; readonly service: IpvsService }
  | { readonly op: 'edit-service'; readonly service: IpvsService }
  | { readonly op: 'del-service'; readonly key: IpvsServiceKey }
  | { readonly op: 'add-dest'; readonly key: IpvsServiceKey; readonly dest: IpvsDest }
  | { readonly op: 'edit-dest'; readonly key: IpvsServiceKey; readonly dest: IpvsDest }
  | { readonly op: 'del-dest'; readonly key: IpvsServiceKey; readonly dest: IpvsDest };

/** Options of {@link reconcile}. */
export interface ReconcileOptions {
  /**
   * Keys of services we created earlier and may delete when they are no longer desired. Services in `actual`
   * that are neither desired nor listed here are someone else's and are never touched.
   */
  readonly owned?: readonly IpvsServiceKey[];
}

/** serviceKeyId per key object: the same key is asked for by every operation on its service (keys are readonly). */
const keyIds = new WeakMap<IpvsServiceKey, string>();

/** A stable text key of a service: 'tcp|inet|192.0.2.1|80' or 'fwmark|inet6|7'. */
export function serviceKeyId(k: IpvsServiceKey): string {
  let id = keyIds.get(k);
  if (id === undefined) {
    id = 'fwmark' in k ? `fwmark|${k.family}|${k.fwmark}` : `${k.protocol}|${k.family}|${canonicalAddress(k.address)}|${k.port}`;
    keyIds.set(k, id);
  }
  return id;
}

/** A stable text key of a destination within its service. */
export function destKeyId(d: Pick<IpvsDest, 'address' | 'port' | 'family'>): string {
  const fam: IpvsFamily = destFamily({ ...d, forward: 'nat', weight: 0 });
  return `${fam}|${canonicalAddress(d.address)}|${d.port}`;
}

function prefixOf(s: IpvsService): number {
  return s.persistence?.prefixLength ?? (s.key.family === 'inet' ? 32 : 128);
}

/** True when the kernel's service already has the settings we want (HASHED and other kernel-owned bits ignored). */
export function serviceSettingsEqual(want: IpvsService, have: IpvsService): boolean {
  const persistent = want.persistence !== undefined;
  return (
    want.scheduler === have.scheduler &&
    serviceFlags(want) === serviceFlags(have) &&
    (!persistent ||
      ((want.persistence?.timeout ?? 0) === (have.persistence?.timeout ?? 0) &&
        prefixOf(want) === prefixOf(have) &&
        (want.persistence?.engine ?? '') === (have.persistence?.engine ?? '')))
  );
}

/** True when the kernel's destination already has the settings we want. */
export function destSettingsEqual(want: IpvsDest, have: IpvsDest): boolean {
  if (
    want.forward !== have.forward ||
    want.weight !== have.weight ||
    (want.upperThreshold ?? 0) !== (have.upperThreshold ?? 0) ||
    (want.lowerThreshold ?? 0) !== (have.lowerThreshold ?? 0)
  ) {
    return false;
  }
  if (want.forward !== 'tun') return true;
  const a = want.tunnel;
  const b = have.tunnel;
  return (a?.type ?? 'ipip') === (b?.type ?? 'ipip') && (a?.port ?? 0) === (b?.port ?? 0) && (a?.csum ?? 'nocsum') === (b?.csum ?? 'nocsum');
}

/**
 * True when two desired virtual servers ask the same of the kernel: same key, same settings, and the same
 * destinations with the same settings, in any order (pure). What a reload or a stop compares with what was applied.
 */
export function sameVirtualServer(a: IpvsVirtualServer, b: IpvsVirtualServer): boolean {
  if (serviceKeyId(a.service.key) !== serviceKeyId(b.service.key)) return false;
  if (!serviceSettingsEqual(a.service, b.service) || !serviceSettingsEqual(b.service, a.service)) return false;
  if (a.dests.length !== b.dests.length) return false;
  const theirs = new Map(b.dests.map((d) => [destKeyId(d), d]));
  const seen = new Set<string>();
  for (const d of a.dests) {
    const id = destKeyId(d);
    const o = theirs.get(id);
    if (!o || seen.has(id) || !destSettingsEqual(d, o) || !destSettingsEqual(o, d)) return false;
    seen.add(id);
  }
  return seen.size === theirs.size;
}

function indexBy<T>(items: readonly T[], key: (t: T) => string, what: string): Map<string, T> {
  const m = new Map<string, T>();
  for (const t of items) {
    const k = key(t);
    if (m.has(k)) throw new Error(`reconcile: duplicate ${what} ${k}`);
    m.set(k, t);
  }
  return m;
}

/**
 * The operations that turn `actual` into `desired`, and nothing else: services and destinations already equal
 * produce no operation, a changed destination produces one edit. Order: new services, edited services, then per
 * desired service its destination deletions, edits and additions, then deletions of owned services no longer
 * desired. Destinations of a desired service that the service does not list are removed (the service is ours).
 */
export function reconcile(desired: readonly IpvsVirtualServer[], actual: readonly IpvsVirtualServer[], opts: ReconcileOptions = {}): IpvsOp[] {
  const want = indexBy(desired, (v) => serviceKeyId(v.service.key), 'desired service');
  const have = indexBy(actual, (v) => serviceKeyId(v.service.key), 'actual service');
  const ops: IpvsOp[] = [];
  const destOps: IpvsOp[] = [];
  for (const [id, w] of want) {
    const h = have.get(id);
    if (!h) ops.push({ op: 'add-service', service: w.service });
    else if (!serviceSettingsEqual(w.service, h.service)) ops.push({ op: 'edit-service', service: w.service });
    const key = w.service.key;
    const wd = indexBy(w.dests, destKeyId, `destination of ${id}`);
    const hd = indexBy(h?.dests ?? [], destKeyId, `kernel destination of ${id}`);
    for (const [did, d] of hd) if (!wd.has(did)) destOps.push({ op: 'del-dest', key, dest: d });
    for (const [did, d] of wd) {
      const cur = hd.get(did);
      if (cur && !destSettingsEqual(d, cur)) destOps.push({ op: 'edit-dest', key, dest: d });
    }
    for (const [did, d] of wd) if (!hd.has(did)) destOps.push({ op: 'add-dest', key, dest: d });
  }
  ops.push(...destOps);
  const owned = new Set((opts.owned ?? []).map(serviceKeyId));
  for (const [id, h] of have) {
    if (!want.has(id) && owned.has(id)) ops.push({ op: 'del-service', key: h.service.key });
  }
  return ops;
}
