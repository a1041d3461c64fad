// Unit tests for sd_notify: messages to $NOTIFY_SOCKET (path and abstract), the variable unset for children.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSdNotifier } from '../../../src/core/sd-notify';
import { UnixDgramReceiver, UnixDgramSender } from '../../../src/sys/unix-dgram';

const realSender = (): { send(p: string, d: Uint8Array): 'sent' | 'again'; close(): void } => {
  const s = new UnixDgramSender();
  return { send: (p, d) => s.send(p, d), close: () => s.close() };
};

test('without NOTIFY_SOCKET nothing is sent', () => {
  const env: NodeJS.ProcessEnv = {};
  const n = createSdNotifier(env, () => {
    throw new Error('must not be built');
  });
  assert.equal(n.ready(), false);
});

for (const kind of ['path', 'abstract'] as const) {
  test(`READY, RELOADING, STOPPING reach a ${kind} socket`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-sd-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sock = kind === 'path' ? path.join(dir, 'notify') : `@tska-sd-${process.pid}`;
    const got: string[] = [];
    const rx = new UnixDgramReceiver(sock, (d) => got.push(d.toString()));
    t.after(() => rx.close());
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: sock };
    const n = createSdNotifier(env, realSender);
    assert.equal(env['NOTIFY_SOCKET'], undefined, 'unset for children');
    assert.equal(n.ready(), true);
    n.reloading();
    n.stopping();
    for (let i = 0; i < 50 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    n.close();
    assert.equal(got[0], 'READY=1');
    assert.match(got[1]!, /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    assert.equal(got[2], 'STOPPING=1');
  });
}
