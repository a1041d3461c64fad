// DNS_CHECK: one query over UDP; the answer must carry our id, RCODE 0 and at least one answer record.
import { randomInt } from 'node:crypto';
import type { DnsType } from '../config/model/lvs';
import { udpExchange } from './udp-exchange';
import { type ProbeResult, type ProbeTarget, errText, fail } from './types';

const TYPE_CODES: Record<DnsType, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };

/** Encodes a DNS query (RD set, one question, class IN). */
export function encodeQuery(id: number, name: string, type: DnsType): Buffer {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  const hdr = Buffer.alloc(12);
  hdr.writeUInt16BE(id, 0);
  hdr.writeUInt16BE(0x0100, 2);
  hdr.writeUInt16BE(1, 4);
  parts.push(hdr);
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    if (b.length === 0 || b.length > 63) throw new Error(`bad DNS label in ${name}`);
    parts.push(Buffer.from([b.length]), b);
  }
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(TYPE_CODES[type], 1);
  tail.writeUInt16BE(1, 3);
  parts.push(tail);
  return Buffer.concat(parts);
}

/** Judges a reply to query `id` (keepalived's dns_recv_thread rules). */
export function judgeDnsReply(buf: Buffer, id: number): ProbeResult | null {
  if (buf.length < 12) return fail('protocol', 'DNS reply too short');
  if (buf.readUInt16BE(0) !== id) return null; // not ours: keep waiting
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return fail('protocol', 'DNS message is not a response');
  const rcode = flags & 0xf;
  if (rcode !== 0) return fail('protocol', `DNS RCODE ${rcode}`);
  if (buf.readUInt16BE(6) === 0) return fail('protocol', 'DNS reply has no answer');
  return { ok: true };
}

/**
 * One DNS_CHECK attempt. Without IP_RECVERR, as keepalived's DNS_CHECK socket: only the kernel's hard
 * ICMP errors (port unreachable...) reach error(); soft ones end at the timeout, a failure all the same.
 */
export function probeDns(t: ProbeTarget, name: string, type: DnsType, signal: AbortSignal): Promise<ProbeResult> {
  const id = randomInt(0, 0x10000);
  return udpExchange(t, signal, {
    request: () => encodeQuery(id, name, type),
    requestError: (e) => fail('protocol', errText(e)),
    reply: (msg) => judgeDnsReply(msg, id),
    error: (e) => fail((e as { code?: string }).code === 'ECONNREFUSED' ? 'icmp' : 'connect-error', `DNS ${errText(e)}`),
    timeout: () => fail('timeout', 'DNS query timeout'),
  });
}
