// A raw Server-Sent Events reader over fetch, for asserting the exact stream: every field of every event, comments
// included, in order. (Browsers' EventSource is exercised by the Chromium test.)
import { afterEach } from 'node:test';

const open = new Set();
afterEach(() => {
  for (const s of open) s.close();
  open.clear();
});

export class SseStream {
  static async open(url, { headers = {} } = {}) {
    const stream = new SseStream();
    stream.controller = new AbortController();
    open.add(stream);
    stream.response = await fetch(url, { headers, signal: stream.controller.signal });
    stream.status = stream.response.status;
    if (stream.status === 200) stream.pump();
    return stream;
  }

  constructor() {
    this.messages = []; // {id?, event?, data?, retry?} or {comment}
    this.waiters = [];
    this.ended = false;
  }

  async pump() {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of this.response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      /* aborted */
    }
    this.ended = true;
    this.wake();
  }

  push(block) {
    const message = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        message.comment = line.slice(1).trim();
        continue;
      }
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      message[field] = field === 'data' && message.data !== undefined ? `${message.data}\n${value}` : value;
    }
    if (message.data !== undefined) message.json = JSON.parse(message.data);
    this.messages.push(message);
    this.wake();
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `count` messages matching `filter` arrived; returns them. */
  async take(count, filter = (m) => m.event !== undefined, ms = 5000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = this.messages.filter(filter);
      if (got.length >= count) return got.slice(0, count);
      if (this.ended) throw new Error(`stream ended with ${got.length}/${count}: ${JSON.stringify(this.messages)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${got.length}/${count}: ${JSON.stringify(this.messages)}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The events (not comments or retry) so far. */
  get events() {
    return this.messages.filter((m) => m.event !== undefined);
  }

  close() {
    this.controller.abort();
  }
}
