// Replays the real recorder never writes, made from one it did write: a corrupt file, a truncated
// one (its first bytes, as a crash mid-episode leaves it) and one of a newer format version (the
// header's version raised, the content hash made right again so that only the version is wrong).

import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** JSON Lines text of a replay: the lines given, then the trailer with their SHA-256. */
export function withTrailer(lines) {
  const body = lines.map((l) => l + '\n').join('');
  return body + JSON.stringify({ content_sha256: createHash('sha256').update(body, 'utf8').digest('hex') }) + '\n';
}

/** Writes bad/{corrupt,truncated,newer}.replay.jsonl.gz into dir, derived from the good replay. */
export function writeBadReplays(good, dir) {
  mkdirSync(join(dir, 'bad'), { recursive: true });
  const gz = readFileSync(good);
  writeFileSync(join(dir, 'bad', 'corrupt.replay.jsonl.gz'), Buffer.from('this is not gzip at all\n'));
  writeFileSync(join(dir, 'bad', 'truncated.replay.jsonl.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
  const lines = gunzipSync(gz).toString('utf8').trimEnd().split('\n');
  lines.pop(); // the trailer
  const header = JSON.parse(lines[0]);
  header.format_version = 2;
  lines[0] = JSON.stringify(header);
  writeFileSync(join(dir, 'bad', 'newer.replay.jsonl.gz'), gzipSync(Buffer.from(withTrailer(lines))));
}
