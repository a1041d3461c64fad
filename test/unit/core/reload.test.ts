// Unit tests for the pure reload decision and the choice of workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyConfig, type KeepalivedConfig } from '../../../src/config/model';
import { newVrrpInstance } from '../../../src/config/model/vrrp';
import type { Diagnostic } from '../../../src/config/diagnostics';
import { blockingDiagnostics, decideReload, rolesToRun } from '../../../src/core/reload';

const loc = { file: 'k.conf', line: 1, col: 1 };
const d = (cls: Diagnostic['cls'], extra = false): Diagnostic => ({ loc, cls, message: cls, ...(extra ? { extra } : {}) });

test('blocking diagnostics: errors block, warnings, deprecations, extras and notes do not', () => {
  const list = [d('WARNING'), d('DEPRECATED'), d('UNKNOWN_KEYWORD'), d('GENERAL_ERROR', true), { loc, cls: 'OK' as const, message: 'n', info: true }, d('FILE_NOT_FOUND')];
  assert.deepEqual(blockingDiagnostics(list).map((x) => x.cls), ['UNKNOWN_KEYWORD', 'FILE_NOT_FOUND']);
});

test('decideReload accepts a clean config and rejects errors, aborts, namespace and instance changes', () => {
  const old = emptyConfig() as KeepalivedConfig;
  const ok = { config: emptyConfig() as KeepalivedConfig, diagnostics: { list: [d('WARNING')] }, exitCode: 5 };
  assert.deepEqual(decideReload(old, ok), { accept: true });
  const bad = decideReload(old, { ...ok, diagnostics: { list: [d('MISSING_EOB')] } });
  assert.equal(bad.accept, false);
  assert.equal(decideReload(old, { ...ok, diagnostics: { list: [] }, exitCode: 2 }).accept, false);
  const ns = emptyConfig();
  ns.global.netNamespace = 'other';
  const r = decideReload(old, { ...ok, config: ns as KeepalivedConfig });
  assert.ok(!r.accept && r.reasons.some((x) => /network namespace/.test(x)));
  assert.equal(decideReload(old, { ...ok, config: ns as KeepalivedConfig }, 'forced').accept, true, '-s overrides both');
  const inst = emptyConfig();
  inst.global.instanceName = 'x';
  assert.equal(decideReload(old, { ...ok, config: inst as KeepalivedConfig }).accept, false);
});

test('rolesToRun: nothing configured starts nothing unless --all; -P/-C pick one', () => {
  const empty = emptyConfig() as KeepalivedConfig;
  assert.deepEqual(rolesToRun({ vrrp: false, check: false, all: false }, empty), []);
  assert.deepEqual(rolesToRun({ vrrp: false, check: false, all: true }, empty), ['vrrp', 'check']);
  assert.deepEqual(rolesToRun({ vrrp: true, check: false, all: true }, empty), ['vrrp']);
  assert.deepEqual(rolesToRun({ vrrp: false, check: true, all: true }, empty), ['check']);
  const v = emptyConfig();
  v.vrrp.instances.push(newVrrpInstance('VI_1', loc));
  assert.deepEqual(rolesToRun({ vrrp: false, check: false, all: false }, v as KeepalivedConfig), ['vrrp']);
  assert.deepEqual(rolesToRun({ vrrp: false, check: true, all: false }, v as KeepalivedConfig), []);
});

test('keepalived\'s SECURITY VIOLATION warning does not block a reload; an unknown keyword does', () => {
  const sec: Diagnostic = { loc: null, cls: 'SECURITY_ERROR', message: 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.' };
  const unknown: Diagnostic = { loc: { file: 'k', line: 1, col: 1 }, cls: 'UNKNOWN_KEYWORD', message: "Unknown keyword 'x'" };
  assert.deepEqual(blockingDiagnostics([sec]), []);
  assert.deepEqual(blockingDiagnostics([sec, unknown]), [unknown]);
});
