/** A one-line progress display on stderr for long bench and load runs (plain lines when not a TTY). */
export class Progress {
  private last = 0;
  private printed = -1;
  private readonly started = Date.now();
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number): void {
    const now = Date.now();
    const every = this.stream.isTTY ? 250 : 5000;
    if (now - this.last < every && done < this.total) return;
    if (done === this.printed) return;
    this.last = now;
    this.printed = done;
    const pct = this.total > 0 ? Math.min(100, (done / this.total) * 100) : 100;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    const width = 28;
    const filled = Math.round((pct / 100) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const text = `${this.label} ${bar} ${pct.toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ${rate.toLocaleString('en-US')}/s`;
    if (this.stream.isTTY) this.stream.write(`\r${text}`);
    else this.stream.write(`${text}\n`);
  }

  done(): void {
    this.update(this.total);
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
