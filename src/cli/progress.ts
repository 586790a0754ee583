/**
 * Renders engine events (src/engine/events.ts) for a person: on a terminal a progress bar over all sessions
 * of the run with an ETA (cli-progress), otherwise one plain line per step on stderr. Finished measurements
 * are printed in full (src/report) on stdout unless the command prints JSON.
 */
import cliProgress from 'cli-progress';
import type { EngineEvent } from '../engine/events.js';
import { formatMeasurement, formatNoiseFloor, formatSessionLine, formatUnmeasured } from '../report/measurement.js';
import { finishedLine, jobText, plannedText, skippedLine, startedLine } from '../report/progress-text.js';
import type { CliIO } from './io.js';
import { cellLine } from '../report/run-summary.js';

export interface EventRenderer {
  onEvent(e: EngineEvent): void;
  /** a progress line from a runner (RunContext.log): above the bar, or on stderr. */
  log(line: string): void;
  /** stops the bar (call in a finally). */
  stop(): void;
}

/**
 * A renderer for `io`; `json` suppresses the human summaries on stdout. Without `verbose`, the short form
 * (src/report/run-summary.ts): a bar, one line per finished cell, skipped targets counted at the end (the
 * command prints the table and then the grouped warnings); with `verbose`, every session line and every
 * measurement in full.
 */
export function eventRenderer(io: CliIO, o: { json?: boolean; verbose?: boolean } = {}): EventRenderer {
  const verbose = o.verbose === true;
  const useBar = io.errIsTTY && io.errStream !== undefined;
  let multi: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let started = 0;
  let perPair = 1;
  const skippedSeen = new Set<string>();
  /** a line for the person watching: above the bar on a terminal, on stderr otherwise. */
  const note = (line: string): void => {
    if (multi) multi.log(`${line}\n`);
    else io.err(`${line}\n`);
  };
  /** a result block: stdout, or above the bar when stdout is the same terminal. */
  const result = (text: string): void => {
    if (multi && io.outIsTTY) multi.log(`${text}\n\n`);
    else io.out(`${text}\n\n`);
  };
  return {
    log: note,
    onEvent(e) {
      switch (e.type) {
        case 'planned': {
          total = e.sessionsToRun;
          perPair = e.sessionsPerPair;
          io.err(plannedText(e));
          if (useBar && total > 0) {
            multi = new cliProgress.MultiBar(
              {
                stream: io.errStream,
                format: ' {bar} {value}/{total} sessions | ETA {eta_formatted} | {task}',
                hideCursor: true,
                clearOnComplete: true,
                etaBuffer: 20,
                fps: 5,
              },
              cliProgress.Presets.shades_classic,
            );
            bar = multi.create(total, 0, { task: 'starting' });
          }
          break;
        }
        case 'started':
          started++;
          if (bar) bar.update({ task: `${jobText(e.job)}, session ${e.session + 1}/${e.sessions}` });
          else if (verbose) io.err(`${startedLine(started, total, e.job, e.session, e.sessions)}\n`);
          break;
        case 'progress':
          if (bar && e.samples !== undefined) bar.update({ task: `${jobText(e.job)}, session ${e.session + 1}: n=${e.samples}` });
          break;
        case 'session':
          if (bar) bar.increment();
          else if (verbose) io.err(`  ${formatSessionLine(e.record)}\n`);
          break;
        case 'record':
          if (o.json) break;
          if (verbose) result(formatMeasurement(e.record));
          else note(cellLine(e.record));
          break;
        case 'skipped': {
          const k = `${e.job.target.id}|${e.reason}`;
          if (!skippedSeen.has(k)) {
            skippedSeen.add(k);
            note(skippedLine(e.job, e.reason));
          }
          break;
        }
        case 'failed':
          note(formatUnmeasured(e.record));
          {
            // the pair gets no more sessions in this execution: they leave the total
            const dropped = perPair - ((e.record.sessionIndex ?? 0) + 1);
            total -= dropped;
            if (bar) {
              bar.setTotal(bar.getTotal() - dropped);
              bar.increment();
            }
          }
          break;
        case 'finished': {
          this.stop();
          const r = e.result;
          io.err(`${finishedLine(r)}\n`);
          if (r.noiseFloor && verbose) io.err(`${formatNoiseFloor(r.noiseFloor)}\n`);
          break;
        }
      }
    },
    stop() {
      multi?.stop();
      multi = undefined;
      bar = undefined;
    },
  };
}
