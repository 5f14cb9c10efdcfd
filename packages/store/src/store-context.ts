/** What the store's operations share: its directory, its open index and the author of changes. */
import type { IndexDb } from './index-db.js';
import type { Author } from './who.js';

/** An open store as the operation modules see it. */
export interface StoreContext {
  /** Absolute store directory. */
  dir: string;
  /** Open index. */
  db: IndexDb;
  /** Who changes the store. */
  author: Author;
}
