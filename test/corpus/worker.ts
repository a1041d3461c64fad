// Worker thread for the corpus run: loads one config per message with a fixed description of the
// oracle's host (interfaces lo and eth0, host name "vm"), and answers with the verdict.
import { parentPort } from 'node:worker_threads';
import * as path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { nodeReader } from '../../src/config/node-reader';
import { nodeHost } from '../../src/config/node-host';
import { formatDiagnostic } from '../../src/config/diagnostics';
import type { HostFacts } from '../../src/config/host-facts';

export interface CorpusRequest {
  readonly corpusDir: string;
  readonly rel: string;
}
export interface CorpusAnswer {
  readonly rel: string;
  readonly exit: number;
  readonly unknown: string[];
  /** The line of each unknown keyword (0 when it has none), parallel to `unknown`. */
  readonly unknownAt?: number[];
  readonly diagnostics: string[];
  readonly ms: number;
  readonly error?: string;
}

const real = nodeHost();
/** The machine keepalived's oracle ran on: only lo and eth0, host name "vm", no named network namespaces. */
const oracleHost: HostFacts = {
  ...real,
  hostname: 'vm',
  interfaceExists: (n) => n === 'lo' || n === 'eth0',
  netNamespaceExists: () => false,
};

parentPort?.on('message', (req: CorpusRequest) => {
  const t0 = process.hrtime.bigint();
  try {
    const r = loadConfig(
      path.join(req.corpusDir, req.rel),
      { reader: nodeReader, configId: 'vm', env: {}, cwd: req.corpusDir },
      oracleHost,
    );
    const unknownDiags = r.diagnostics.list.filter((d) => d.cls === 'UNKNOWN_KEYWORD');
    const unknown = unknownDiags.map((d) => /'(.*)'/.exec(d.message)?.[1] ?? d.message);
    const answer: CorpusAnswer = {
      rel: req.rel,
      exit: r.exitCode,
      unknown,
      unknownAt: unknownDiags.map((d) => d.loc?.line ?? 0),
      diagnostics: r.diagnostics.list.slice(0, 50).map(formatDiagnostic),
      ms: Number(process.hrtime.bigint() - t0) / 1e6,
    };
    parentPort!.postMessage(answer);
  } catch (e) {
    parentPort!.postMessage({ rel: req.rel, exit: -1, unknown: [], diagnostics: [], ms: Number(process.hrtime.bigint() - t0) / 1e6, error: String((e as Error)?.stack ?? e) });
  }
});
