import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { DetectionState } from "../detection/detectionState";
import type { Detector } from "../detection/detector";
import { normalizeRecord } from "../detection/normalize";
import type { AnomalyScorer, PipelineOptions } from "../detection/pipeline";
import { analyzeEvent } from "../detection/pipeline";
import type { RiskWeights } from "../detection/risk";
import { extractAnyRecords } from "../handlers/envelopes";

/**
 * `immune scan`: the server's pipeline without store or network. Reads CloudTrail log files,
 * or JSON Lines whose lines are CloudTrail records, LogEntries, EventBridge events or Pub/Sub
 * push envelopes, and writes one JSON line per input event. A malformed line yields
 * {"line":N,"error":"…"} and scanning goes on.
 */
export interface ScanLine {
  eventId: string;
  source: string;
  action: string;
  actor: string;
  findings: { detector: string; category: string; severity: string; summary: string }[];
  risk: number;
}

export interface ScanOptions {
  detectors: readonly Detector[];
  allowedDomains?: string[];
  internalAccounts?: string[];
  weights?: RiskWeights;
  productionPatterns?: string[];
  anomaly?: AnomalyScorer;
}

export class Scanner {
  private state: DetectionState;
  /** The pipeline's options never change between events: built once, not per event. */
  private readonly pipeline: PipelineOptions;
  constructor(opts: ScanOptions) {
    this.state = new DetectionState({
      allowedDomains: opts.allowedDomains,
      internalAccounts: opts.internalAccounts,
    });
    this.pipeline = {
      detectors: opts.detectors,
      state: this.state,
      weights: opts.weights,
      productionPatterns: opts.productionPatterns,
      anomaly: opts.anomaly,
    };
  }

  /** One parsed JSON value → one output line per event it carries. */
  scanValue(value: unknown): ScanLine[] {
    const records = extractAnyRecords(value);
    // Sized up front, not pushed onto []: a push reserves room for 16 lines, most values carry one.
    const out = new Array<ScanLine>(records.length);
    for (let i = 0; i < records.length; i++) out[i] = this.scanRecord(records[i].record);
    return out;
  }

  private scanRecord(record: Record<string, unknown>): ScanLine {
    const event = normalizeRecord(record);
    // No `now`: the clock is read only for an event that raised findings.
    const a = analyzeEvent(event, this.pipeline);
    return {
      eventId: event.id,
      source: event.source,
      action: event.action,
      actor: event.actor.id,
      findings: a.findings.map((f) => ({
        detector: f.detector,
        category: f.category,
        severity: f.severity,
        summary: f.summary,
      })),
      risk: a.risk,
    };
  }

  /**
   * Scans a stream. A whole-file JSON document (a CloudTrail log file, pretty-printed or not)
   * is read as one value; otherwise the stream is JSON Lines.
   */
  async scanStream(input: Readable, write: (line: string) => void): Promise<void> {
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    let buffered: string[] | undefined;
    let firstLine = 0;
    let sawContent = false;
    for await (const line of lines) {
      n++;
      if (buffered) {
        buffered.push(line);
        continue;
      }
      const trimmed = line.trim();
      if (!trimmed) continue;
      const seenContent = sawContent;
      sawContent = true;
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch (err) {
        // A pretty-printed document starts with a line that is not JSON by itself.
        // Only the first line of a file can open a pretty-printed whole-file document.
        const opensDocument =
          trimmed === "{" || trimmed === "[" || (trimmed.startsWith("{") && !trimmed.endsWith("}"));
        if (!seenContent && opensDocument) {
          buffered = [line];
          firstLine = n;
          continue;
        }
        write(JSON.stringify({ line: n, error: `malformed JSON: ${(err as Error).message}` }));
        continue;
      }
      this.emit(value, n, write);
    }
    if (buffered) {
      let value: unknown;
      try {
        value = JSON.parse(buffered.join("\n"));
      } catch (err) {
        // Not one document after all: report the first line and read the rest as JSON Lines.
        write(JSON.stringify({ line: firstLine, error: `malformed JSON: ${(err as Error).message}` }));
        buffered.slice(1).forEach((l, i) => {
          this.scanLine(l, firstLine + 1 + i, write);
        });
        return;
      }
      this.emit(value, firstLine, write);
    }
  }

  private scanLine(text: string, line: number, write: (line: string) => void): void {
    const trimmed = text.trim();
    if (!trimmed) return;
    try {
      this.emit(JSON.parse(trimmed), line, write);
    } catch (err) {
      write(JSON.stringify({ line, error: `malformed JSON: ${(err as Error).message}` }));
    }
  }

  private emit(value: unknown, line: number, write: (line: string) => void): void {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      try {
        const out = this.scanValue(v);
        if (out.length === 0) {
          write(
            JSON.stringify({
              line,
              error:
                "not a CloudTrail record or log file, Cloud Audit LogEntry, EventBridge event or Pub/Sub push envelope",
            }),
          );
        }
        for (const o of out) write(JSON.stringify(o));
      } catch (err) {
        write(JSON.stringify({ line, error: (err as Error).message }));
      }
    }
  }
}

/** Opens a file (or stdin for "-"); rejects when it cannot be read, before any output. */
export async function openInput(file: string): Promise<Readable> {
  if (file === "-") return process.stdin;
  const handle = await open(file, "r");
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new Error("is a directory");
  }
  return handle.createReadStream();
}
