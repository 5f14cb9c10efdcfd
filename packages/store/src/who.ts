/** Who and where a store change comes from: user, host and detcal version, written into entries, logs and HISTORY lines. */
import os from 'node:os';
import { DETCAL_VERSION } from '@detcal/core';

/** The author of a store change. */
export interface Author {
  /** Login name. */
  user: string;
  /** Host name. */
  host: string;
  /** detcal version. */
  toolVersion: string;
}

/** The current user, host and detcal version. */
export function currentAuthor(): Author {
  let user = process.env.USER ?? process.env.LOGNAME ?? '';
  try {
    user ||= os.userInfo().username;
  } catch {
    user ||= 'unknown';
  }
  return { user, host: os.hostname(), toolVersion: DETCAL_VERSION };
}
