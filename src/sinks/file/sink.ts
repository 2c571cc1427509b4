import { times } from '../kit/outcome.ts';
import { OK, type Outcome, type Sink, type SinkEvent } from '../kit/types.ts';
import { classifyAppendError } from './classify.ts';
import { DurableAppender } from './client.ts';
import { encodeLines } from './encode.ts';

export class FileSink implements Sink {
  readonly name: string;
  readonly #appender: DurableAppender;

  constructor(path: string, name = 'file') {
    this.name = name;
    this.#appender = new DurableAppender(path);
  }

  get path(): string {
    return this.#appender.path;
  }

  async start(): Promise<void> {
    await this.#appender.ensureDirectory();
  }

  async send(events: SinkEvent[]): Promise<Outcome[]> {
    if (events.length === 0) return [];
    try {
      await this.#appender.append(encodeLines(events));
      return times(events.length, OK);
    } catch (error) {
      return classifyAppendError(error, events.length);
    }
  }
}
