// SMTP_CHECK: banner 220, HELO helo_name answered by 250, then QUIT; each reply bounded in size and time.
import { isSession, openSession, readUntil, type Session } from './conn';
import { type ProbeResult, type ProbeTarget, fail } from './types';

const MAX_REPLY = 4096;

/** A complete SMTP reply: lines "NNN-..." ended by a line "NNN ...". */
function replyCode(buf: Buffer): number | null {
  const text = buf.toString('latin1');
  const lines = text.split('\r\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const m = /^(\d{3})( |$)/.exec(lines[i]!);
    if (m) return Number(m[1]);
  }
  return null;
}

async function expect(s: Session, code: number, what: string): Promise<ProbeResult | null> {
  const r = await readUntil(s, MAX_REPLY, (b) => replyCode(b) !== null);
  if ('ok' in r) return r;
  const got = replyCode(r.buf);
  if (got === null) return fail('protocol', r.closed ? `connection closed while waiting for ${what}` : `bad ${what}`);
  if (got !== code) return fail('protocol', `${what}: expected ${code}, got ${got}`);
  return null;
}

/** One SMTP_CHECK attempt. */
export async function probeSmtp(t: ProbeTarget, heloName: string, signal: AbortSignal): Promise<ProbeResult> {
  const s = await openSession(t, signal);
  if (!isSession(s)) return s;
  try {
    const banner = await expect(s, 220, 'banner');
    if (banner) return banner;
    s.socket.write(`HELO ${heloName}\r\n`);
    const helo = await expect(s, 250, 'HELO reply');
    if (helo) return helo;
    s.socket.write('QUIT\r\n');
    return { ok: true };
  } finally {
    s.close();
  }
}
