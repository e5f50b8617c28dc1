/**
 * The receiving end of a message streamed into a parser thread: chunks are pushed as they arrive
 * and read with `for await`. `onTaken` fires as each chunk is handed to the reader, which is when
 * the sender may send another (flow control: the sender never has more than a window in flight).
 */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | null = null;
  #waiting: (() => void) | null = null;

  constructor(private readonly onTaken: () => void = () => undefined) {}

  push(chunk: Uint8Array): void {
    if (this.#ended || this.#error) return;
    this.#chunks.push(chunk);
    this.#notify();
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** The reader's next step throws `error`; chunks still queued are dropped. */
  fail(error: Error): void {
    this.#error ??= error;
    this.#chunks.length = 0;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.#error) throw this.#error;
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        this.onTaken();
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#waiting;
    this.#waiting = null;
    wake?.();
  }
}
