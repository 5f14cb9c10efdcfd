/** Payload files: checksums, durable writes, and reading one constant back only when its checksum holds. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { DetcalError, type ConstantArray, type ConstantSet } from '@detcal/core';
import { readConstantsFile, writeConstantsFile } from '@detcal/hdf5';

/** sha256 (hex) of a file, read in 8 MiB blocks. */
export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Flushes a file's data to disk. */
export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A payload written to its temp name. */
export interface WrittenPayload {
  /** Temp path. */
  tmp: string;
  /** sha256 of the bytes. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
}

/** Writes a one-constant set as a detcal constants file at `tmp`, flushed, with its checksum. */
export async function writePayload(tmp: string, set: ConstantSet): Promise<WrittenPayload> {
  const written = await writeConstantsFile(tmp, set);
  fsyncFile(tmp);
  return { tmp, sha256: sha256File(tmp), bytes: written.bytes };
}

/** Why a payload cannot be served. */
export type PayloadProblem = 'missing' | 'corrupt' | 'unreadable';

/** The state of a payload on disk against its index row. */
export function checkPayload(file: string, sha256: string): PayloadProblem | null {
  if (!fs.existsSync(file)) return 'missing';
  try {
    return sha256File(file) === sha256 ? null : 'corrupt';
  } catch {
    return 'unreadable';
  }
}

/** Reads constant `ctype` of a payload (call checkPayload first). */
export async function readPayloadConstant(file: string, ctype: string): Promise<{ set: ConstantSet; constant: ConstantArray }> {
  const set = await readConstantsFile(file);
  const constant = set.constants[ctype] ?? Object.values(set.constants)[0];
  if (!constant) throw new DetcalError('STORE', `${file}: payload holds no constant ${ctype}; run \`detcal constants verify\``);
  return { set, constant };
}

/**
 * Test hook: when DETCAL_STORE_CRASH_AT names this point, the process kills itself (SIGKILL) right there,
 * as a crash or `kill -9` would; used by the tests of interrupted writes.
 */
export function crashPoint(point: string): void {
  if (process.env.DETCAL_STORE_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
