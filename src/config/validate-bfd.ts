// Cross-checks of bfd_instance blocks (keepalived's bfd_end_handler): neighbour set, families, duplicates, TTL.
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';
import type { BfdInstance } from './model/bfd';
import { formatIp, ipEquals } from '../net/ip';

/** keepalived's default TTL (IPv4) and hop limit (IPv6) for BFD control packets (RFC 5881). */
export const BFD_CONTROL_TTL = 255;
export const BFD_CONTROL_HOPLIMIT = 64;

/** Validates BFD instances, dropping those keepalived disables, and fills the TTL default. */
export function validateBfd(cfg: ConfigDraft, ctx: ApplyContext): void {
  const kept: BfdInstance[] = [];
  for (const b of cfg.bfd.instances) {
    const nbr = b.neighbor;
    if (!nbr) {
      ctx.diag.error(b.loc, `Configuration error: BFD instance ${b.name} has no ${b.neighborWord} address set, disabling instance`);
      continue;
    }
    if (b.source && b.source.family !== nbr.family) {
      ctx.diag.error(b.loc, `Configuration error: BFD instance ${b.name} source address ${formatIp(b.source)} and ${b.neighborWord} address ${formatIp(nbr)} are not of the same family, disabling instance`);
      continue;
    }
    const dup = kept.find((k) => k.neighbor !== null && ipEquals(k.neighbor.bytes, nbr.bytes) && k.multihop === b.multihop &&
      (k.source === null || b.source === null ? k.source === b.source : ipEquals(k.source.bytes, b.source.bytes)));
    if (dup) {
      if (b.source) ctx.diag.error(b.loc, `Configuration error: BFD instance ${b.name} has duplicate source/${b.neighborWord} address ${formatIp(b.source)}/${formatIp(nbr)}, ignoring instance`);
      else ctx.diag.error(b.loc, `Configuration error: BFD instance ${b.name} has duplicate ${b.neighborWord} address ${formatIp(nbr)}, ignoring instance`);
      continue;
    }
    if (b.ttl === null) b.ttl = nbr.family === 4 ? BFD_CONTROL_TTL : BFD_CONTROL_HOPLIMIT;
    if (b.maxHops > b.ttl) {
      ctx.diag.error(b.loc, `BFD instance ${b.name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit`);
      b.maxHops = b.ttl;
    }
    kept.push(b);
  }
  cfg.bfd.instances = kept;
}
