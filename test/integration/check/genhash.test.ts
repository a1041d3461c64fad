// genhash against a loopback HTTP server prints the same digest as md5sum of the body; usage errors exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startHttp } from '../../helpers/servers';
import { runGenhash, parseGenhashArgs } from '../../../src/check/genhash';

function capture(): { io: { out(s: string): void; err(s: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => void out.push(s), err: (s) => void err.push(s) }, out, err };
}

test('genhash prints MD5SUM equal to md5sum of the body', async () => {
  const body = Buffer.from('<html><body>genhash test ' + 'x'.repeat(5000) + '</body></html>\n');
  const srv = await startHttp({ body, noLength: true });
  try {
    const c = capture();
    const rc = await runGenhash(['-s', '127.0.0.1', '-p', String(srv.port), '-u', '/page', '-P', '1.1', '-V', 'www.example', '-t', '5'], c.io);
    assert.equal(rc, 0, c.err.join(''));
    const md5sum = execFileSync('md5sum', { input: body, encoding: 'utf8' }).split(' ')[0];
    assert.equal(c.out.join(''), `MD5SUM = ${md5sum}\n\n`);
    assert.match(srv.requests[0]!, /^GET \/page HTTP\/1\.1\r\n/);
    assert.match(srv.requests[0]!, /\r\nHost: www\.example:\d+\r\n/);
    const v = capture();
    assert.equal(await runGenhash(['--genhash', '--server', '127.0.0.1', '--port', String(srv.port), '--url', '/', '--verbose'], v.io), 0);
    assert.match(v.out.join(''), /HTML hash final resulting/);
    assert.match(v.out.join(''), new RegExp(`MD5SUM = ${md5sum}`));
  } finally {
    await srv.close();
  }
});

test('genhash usage errors and unreachable servers exit 1 with a message', async () => {
  const c = capture();
  assert.equal(await runGenhash(['-s', 'not-an-ip', '-p', '80', '-u', '/'], c.io), 1);
  assert.match(c.err.join(''), /server should be an IP, not not-an-ip/);
  assert.deepEqual(parseGenhashArgs(['-s', '1.2.3.4', '-p', '0', '-u', '/']), { error: "invalid port number '0'" });
  assert.equal(parseGenhashArgs(['-h']), 'help');
  assert.deepEqual(parseGenhashArgs(['-s', '1.2.3.4']), { error: '' });
  const p = parseGenhashArgs(['-S', '-I', '-s', '::1', '-p443', '-u', '/x', '-P', '1.0c', '-t', '3', '-V', 'h']);
  assert.ok(typeof p === 'object' && !('error' in p));
  if (typeof p === 'object' && !('error' in p)) {
    assert.equal(p.ssl && p.sni, true);
    assert.equal(p.protocol, '1.0C');
    assert.equal(p.timeoutMs, 3000);
    assert.equal(p.port, 443);
  }
  const d = capture();
  assert.equal(await runGenhash(['-s', '127.0.0.1', '-p', '1', '-u', '/', '-t', '2'], d.io), 1);
  assert.match(d.err.join(''), /failed/);
});
