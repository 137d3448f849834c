// The engine's progress streams (events, pull, push, build) are JSON messages, one per line
// (the engine ends each with `\r\n`). A message, or a UTF-8 character inside one, may be split
// across chunks of the HTTP body: reassemble before parsing.

import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into JSON lines; a line (or a UTF-8 character) may span chunks. */
export async function* parseJsonLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== '') yield JSON.parse(line);
    }
  }
  pending += decoder.end();
  if (pending.trim() !== '') yield JSON.parse(pending);
}
