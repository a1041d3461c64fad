// Unix datagram send to filesystem and abstract paths; a full receiver gives 'again' (EAGAIN), a missing one an errno-shaped error.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnixDgramReceiver, UnixDgramSender, encodeUnixPath } from '../../../src/sys/unix-dgram';

function tmpSock(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-unix-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'log.sock');
}

function receiveOne(p: string, send: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { rx.close(); reject(new Error('no datagram')); }, 2000);
    const rx = new UnixDgramReceiver(p, (d) => {
      clearTimeout(timer);
      rx.close();
      resolve(d.toString('utf8'));
    });
    send();
  });
}

test('a datagram reaches a socket bound to a filesystem path', async (t) => {
  const p = tmpSock(t);
  const tx = new UnixDgramSender();
  t.after(() => tx.close());
  const got = await receiveOne(p, () => assert.equal(tx.send(p, Buffer.from('<30>tskeepalived: hello')), 'sent'));
  assert.equal(got, '<30>tskeepalived: hello');
});

test("a datagram reaches an abstract socket named with '@' (sd_notify style)", async (t) => {
  const name = `@tska-t-${process.pid}-notify`;
  const tx = new UnixDgramSender();
  t.after(() => tx.close());
  const got = await receiveOne(name, () => assert.equal(tx.send(name, Buffer.from('READY=1')), 'sent'));
  assert.equal(got, 'READY=1');
  assert.deepEqual(encodeUnixPath('@x'), Buffer.from([0, 0x78]));
});

test("a receiver that does not read makes send return 'again' instead of blocking or throwing", (t) => {
  const p = tmpSock(t);
  const rx = new UnixDgramReceiver(p, () => undefined);
  rx.pause();
  const tx = new UnixDgramSender();
  t.after(() => { tx.close(); rx.close(); });
  const results = { sent: 0, again: 0 };
  const msg = Buffer.alloc(512, 0x61);
  for (let i = 0; i < 2000 && results.again === 0; i++) results[tx.send(p, msg)] += 1;
  assert.ok(results.sent > 0, 'some datagrams were queued');
  assert.ok(results.again > 0, 'the full queue was reported as again');
});

test('a missing socket is an errno-shaped ENOENT; a too-long path is refused', (t) => {
  const tx = new UnixDgramSender();
  t.after(() => tx.close());
  assert.throws(() => tx.send('/nonexistent/tska/log.sock', Buffer.from('x')), (e: unknown) => {
    const err = e as { code?: string; errno?: number; syscall?: string };
    return err.code === 'ENOENT' && err.errno === os.constants.errno.ENOENT && err.syscall === 'sendmsg';
  });
  assert.throws(() => encodeUnixPath('/'.padEnd(200, 'x')), RangeError);
});
