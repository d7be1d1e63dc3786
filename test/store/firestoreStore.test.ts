import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../bot/config";
import { createStore } from "../../integrations/store/createStore";
import { FirestoreStore } from "../../integrations/store/firestoreStore";
import type { FirestoreEmulator } from "../helpers/firestoreEmulator";
import { startFirestoreEmulator } from "../helpers/firestoreEmulator";
import { storeContract } from "./storeContract";

let emulator: FirestoreEmulator;
beforeAll(async () => {
  emulator = await startFirestoreEmulator();
});
afterAll(() => emulator.stop());

// The real Firestore gRPC protocol against the in-process emulator, a fresh database per test.
storeContract("firestore", async () => {
  emulator.clear();
  return new FirestoreStore({ projectId: "immune-test", emulatorHost: emulator.host });
});

describe("STORE=firestore", () => {
  it("is what createStore builds from the configuration", async () => {
    emulator.clear();
    const store = await createStore(
      loadConfig({
        STORE: "firestore",
        FIRESTORE_PROJECT_ID: "immune-test",
        FIRESTORE_EMULATOR_HOST: emulator.host,
      }),
    );
    try {
      expect(store.kind).toBe("firestore");
      expect(store.location).toContain("immune-test");
      await store.putInbox([
        { id: "aws:cfg-1", source: "aws", payload: "{}", receivedAt: new Date("2026-03-01T10:00:00Z") },
      ]);
      expect(await store.inboxCounts()).toEqual({ pending: 1, done: 0, dead: 0 });
    } finally {
      await store.close();
    }
  });
});
