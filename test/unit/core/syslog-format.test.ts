// Syslog lines: priority from facility and severity, glibc's timestamp and tag format.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatSyslog, severityOfPinoLevel, syslogTimestamp } from '../../../src/core/syslog-format';

test('local0 info is priority 134, daemon err is 27', () => {
  const d = new Date(2026, 10, 3, 9, 5, 7);
  assert.equal(formatSyslog('local0', 'info', 'Keepalived_vrrp', 42, '(VI_1) Entering MASTER STATE', d),
    '<134>Nov  3 09:05:07 Keepalived_vrrp[42]: (VI_1) Entering MASTER STATE');
  assert.match(formatSyslog('daemon', 'err', 't', 1, 'x', d), /^<27>/);
});

test('newlines in messages cannot forge a second line', () => {
  const line = formatSyslog('user', 'notice', 't', 1, 'a\nb\rc', new Date(2026, 0, 15, 1, 2, 3));
  assert.equal(line, '<13>Jan 15 01:02:03 t[1]: a b c');
  assert.equal(syslogTimestamp(new Date(2026, 0, 15, 1, 2, 3)), 'Jan 15 01:02:03');
});

test('pino levels map to syslog severities', () => {
  assert.deepEqual([10, 20, 30, 40, 50, 60].map(severityOfPinoLevel), ['debug', 'debug', 'info', 'warning', 'err', 'crit']);
});
