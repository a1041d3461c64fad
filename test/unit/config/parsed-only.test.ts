// Keywords checked but not acted upon at run time are collected once each, for the daemon to say so once.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { nodeReader } from '../../../src/config/node-reader';
import { permissiveHost } from '../../../src/config/host-facts';

test('smtp_alert used twice and notification_email are reported once each, with the first use', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-po-'));
  const file = path.join(dir, 'k.conf');
  fs.writeFileSync(file, [
    'global_defs {', '  notification_email {', '    ops@example.com', '  }', '}',
    'vrrp_instance A {', '  interface lo', '  virtual_router_id 1', '  smtp_alert', '  virtual_ipaddress {', '    192.0.2.1', '  }', '}',
    'vrrp_instance B {', '  interface lo', '  virtual_router_id 2', '  smtp_alert', '  virtual_ipaddress {', '    192.0.2.2', '  }', '}',
  ].join('\n') + '\n');
  const r = loadConfig(file, { reader: nodeReader, configId: 'x', env: {}, cwd: dir }, permissiveHost);
  fs.rmSync(dir, { recursive: true, force: true });
  const uses = r.parsedOnly.map((u) => `${u.block}.${u.keyword}:${u.loc.line}`);
  assert.deepEqual(uses, ['global_defs.notification_email:2', 'vrrp_instance.smtp_alert:9']);
});

test('a configuration using only built features reports nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-po-'));
  const file = path.join(dir, 'k.conf');
  fs.writeFileSync(file, 'vrrp_instance A {\n  interface lo\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n');
  const r = loadConfig(file, { reader: nodeReader, configId: 'x', env: {}, cwd: dir }, permissiveHost);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(r.parsedOnly, []);
});
