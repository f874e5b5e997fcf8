/**
 * A hand-rolled progress bar on stderr: drawn only when stderr is a terminal or `--progress` asks
 * for it, so logs and pipes get no carriage returns.
 */
export interface ProgressState {
  label: string;
  done: number;
  /** Unknown while still counting: the bar then shows the count only. */
  total?: number;
}

/** `label [#########...........]  45/100  45%` (width = the bar's inner width). */
export function renderProgressBar(state: ProgressState, width = 30): string {
  const { label, done, total } = state;
  if (total === undefined || total <= 0) return `${label} ${done}`;
  const ratio = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * width);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.floor(ratio * 100)}%`;
}

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class ProgressBar {
  private drawn = false;
  private state: ProgressState;

  constructor(
    private readonly sink: ProgressSink,
    private readonly enabled: boolean,
    label: string,
    total?: number,
  ) {
    this.state = { label, done: 0, total };
  }

  /** On when the sink is a terminal or the operator forced it. */
  static for(sink: ProgressSink, force: boolean, label: string, total?: number): ProgressBar {
    return new ProgressBar(sink, force || sink.isTTY === true, label, total);
  }

  setTotal(total: number | undefined): void {
    this.state = { ...this.state, total };
    this.draw();
  }

  tick(by = 1): void {
    this.update(this.state.done + by);
  }

  /** `done` so far, and the total when it has become known (or changed): one redraw for both. */
  update(done: number, total = this.state.total): void {
    this.state = { ...this.state, done, total };
    this.draw();
  }

  /** Ends the bar's line, so that what follows starts on a new one. */
  finish(): void {
    if (this.enabled && this.drawn) this.sink.write('\n');
    this.drawn = false;
  }

  private draw(): void {
    if (!this.enabled) return;
    this.sink.write(`\r${renderProgressBar(this.state)}`);
    this.drawn = true;
  }
}
