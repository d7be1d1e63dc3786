import { afterAll, beforeAll } from "vitest";
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
