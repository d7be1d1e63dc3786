import { startFirestoreEmulator } from "./firestoreEmulator";

/**
 * Runs the Firestore emulator as a process of its own (test/helpers/childServer.ts
 * startChildFirestoreEmulator), so servers under load and the emulator do not share an event
 * loop. Prints `FIRESTORE_EMULATOR_HOST=host:port` once it listens; stops on SIGTERM.
 */
const emulator = await startFirestoreEmulator();
process.stdout.write(`FIRESTORE_EMULATOR_HOST=${emulator.host}\n`);
const stop = () => {
  emulator.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
