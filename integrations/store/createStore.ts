import { join } from "node:path";
import type { Config } from "../../bot/config";
import { SqliteStore } from "./sqliteStore";
import type { Store } from "./store";

/** The store the configuration names (the Firestore adapter lands with its own branch). */
export async function createStore(config: Config): Promise<Store> {
  if (config.STORE === "firestore") throw new Error("STORE=firestore: adapter not available in this build");
  return new SqliteStore(join(config.DATA_DIR, "immune.db"));
}
