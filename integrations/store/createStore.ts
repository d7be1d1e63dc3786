import { join } from "node:path";
import type { Config } from "../../bot/config";
import { FirestoreStore } from "./firestoreStore";
import { SqliteStore } from "./sqliteStore";
import type { Store } from "./store";

/** The store the configuration names: embedded SQLite by default, Firestore for production. */
export async function createStore(config: Config): Promise<Store> {
  if (config.STORE === "firestore") {
    if (!config.FIRESTORE_PROJECT_ID) throw new Error("FIRESTORE_PROJECT_ID: required when STORE=firestore");
    return new FirestoreStore({
      projectId: config.FIRESTORE_PROJECT_ID,
      databaseId: config.FIRESTORE_DATABASE_ID,
      emulatorHost: config.FIRESTORE_EMULATOR_HOST,
    });
  }
  return new SqliteStore(join(config.DATA_DIR, "immune.db"));
}
