// Unit tests for the logging path: syslog datagrams (facility, severity, ident), console lines, bounded queue with counted drops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { consoleTimestamp, createLogging, messageText, type DatagramSender } from '../../../src/core/logger';

/** A sender that accepts `capacity` datagrams, then says 'again' until drained. */
function fakeSender(capacity: number): DatagramSender & { got: string[]; drain(): void } {
  const got: string[] = [];
  let room = capacity;
  return {
    got,
    send(_p, d) {
      if (room <= 0) return 'again';
      room--;
      got.push(Buffer.from(d).toString());
      return 'sent';
    },
    drain() {
      room = capacity;
    },
    close() {},
  };
}

test('syslog lines carry facility, severity, ident and pid', () => {
  const s = fakeSender(100);
  const { logger, sink } = createLogging({ ident: 'Keepalived_vrrp', facility: 'local0', syslog: true, console: false, makeSender: () => s, pid: 42 });
  logger.info('(VI_1) Entering MASTER STATE');
  logger.error('bad thing');
  logger.warn({ err: new Error('boom') }, 'failed');
  logger.debug('hidden');
  assert.equal(s.got.length, 3);
  assert.match(s.got[0]!, /^<134>\w{3} [ \d]\d \d\d:\d\d:\d\d Keepalived_vrrp\[42\]: \(VI_1\) Entering MASTER STATE$/);
  assert.match(s.got[1]!, /^<131>.* Keepalived_vrrp\[42\]: bad thing$/);
  assert.match(s.got[2]!, /^<132>.*: failed: boom$/);
  sink.close();
});

test('a full receiver queues, then drops and counts, and never blocks', async () => {
  const s = fakeSender(10);
  const { logger, sink } = createLogging({ ident: 'Keepalived', facility: 'daemon', syslog: true, console: false, makeSender: () => s, queueMax: 100 });
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) logger.info(`line ${i}`);
  const took = performance.now() - t0;
  assert.ok(took < 2000, `10,000 lines took ${took} ms`);
  assert.equal(s.got.length, 10);
  assert.equal(sink.pending(), 100);
  assert.equal(sink.stats.dropped, 10_000 - 10 - 100);
  // the receiver drains: the queue empties on the retry timer and the drop count is reported
  for (let i = 0; i < 200 && sink.pending() > 0; i++) {
    s.drain();
    await new Promise((r) => setTimeout(r, 10));
  }
  s.drain();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sink.pending(), 0);
  assert.ok(s.got.some((l) => /9890 log messages dropped/.test(l)), 'drops reported');
  assert.ok(s.got.some((l) => l.endsWith('line 10')), 'queued lines keep their order');
  sink.close();
});

test('no syslogd: errors counted, nothing thrown', () => {
  const { logger, sink } = createLogging({ ident: 'K', facility: 'daemon', syslog: true, console: false, makeSender: () => ({ send: () => { throw new Error('ENOENT'); }, close() {} }) });
  logger.info('x');
  logger.info('y');
  assert.equal(sink.stats.errors, 2);
  sink.close();
});

test('console (-l) and file (-g) lines in keepalived\'s format; -D adds fields', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-log-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out: string[] = [];
  const file = path.join(dir, 'k.log');
  const { logger, sink } = createLogging({ ident: 'K', facility: 'daemon', syslog: false, console: true, consoleStream: { write: (s: string) => out.push(s) }, file, flushFile: true, detail: true, now: () => new Date(2024, 0, 5, 9, 8, 7) });
  logger.info({ vrid: 51 }, 'hello');
  sink.close();
  assert.deepEqual(out, ['Fri Jan 05 09:08:07 2024: hello vrid=51\n']);
  assert.equal(fs.readFileSync(file, 'utf8'), 'Fri Jan 05 09:08:07 2024: hello vrid=51\n');
  assert.equal(consoleTimestamp(new Date(2024, 11, 25, 23, 0, 1)), 'Wed Dec 25 23:00:01 2024');
  assert.equal(messageText('m', { err: { message: 'e' } }, false), 'm: e');
});
