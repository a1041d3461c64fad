// keepalived's -t exit codes from the largest class reported.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ConfigClass, Diagnostics, configTestExitCode, formatDiagnostic } from '../../../src/config/diagnostics';

test('exit codes follow keepalived 2.4.3', () => {
  assert.equal(configTestExitCode(ConfigClass.OK), 0);
  assert.equal(configTestExitCode(ConfigClass.FILE_NOT_FOUND), 4);
  assert.equal(configTestExitCode(ConfigClass.FATAL), 4);
  assert.equal(configTestExitCode(ConfigClass.MULTIPLE_FILES), 5);
  assert.equal(configTestExitCode(ConfigClass.UNKNOWN_KEYWORD), 5);
  assert.equal(configTestExitCode(ConfigClass.DEPRECATED), 5);
  assert.equal(configTestExitCode(ConfigClass.SECURITY_ERROR), 6);
  assert.equal(configTestExitCode(ConfigClass.OK, true), 2);
});

test('extra and informational diagnostics do not change the exit class', () => {
  const d = new Diagnostics();
  d.report('WARNING', null, 'ours', { extra: true });
  d.info(null, 'note');
  assert.equal(d.maxClass(), ConfigClass.OK);
  assert.equal(d.maxClass(true), ConfigClass.WARNING);
  d.report('UNKNOWN_KEYWORD', { file: 'k.conf', line: 3, col: 5 }, "Unknown keyword 'x'");
  assert.equal(d.maxClass(), ConfigClass.UNKNOWN_KEYWORD);
  assert.equal(formatDiagnostic(d.list[2]!), "k.conf:3:5: UNKNOWN_KEYWORD: Unknown keyword 'x'");
});
