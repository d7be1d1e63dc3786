import { createRequire } from "node:module";
import { FirestoreServer } from "@firestore-emulator/server";

export interface FirestoreEmulator {
  /** host:port for FIRESTORE_EMULATOR_HOST / the adapter's emulatorHost. */
  host: string;
  /** Drops every document (a fresh database for the next test). */
  clear(): void;
  stop(): void;
}

interface GrpcServer {
  bindAsync(address: string, creds: unknown, cb: (err: Error | null, port: number) => void): void;
}

/**
 * Starts @firestore-emulator/server (the real Firestore gRPC protocol, in this process) on a
 * free loopback port. Its `start(port)` binds every interface and hides the chosen port, so we
 * bind its gRPC server ourselves, with the grpc-js copy the emulator itself loads.
 */
export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const emulator = new FirestoreServer();
  const require = createRequire(createRequire(import.meta.url).resolve("@firestore-emulator/server"));
  const grpc = require("@grpc/grpc-js") as { ServerCredentials: { createInsecure(): unknown } };
  const server = (emulator as unknown as { server: GrpcServer }).server;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  return {
    host: `127.0.0.1:${port}`,
    clear: () => emulator.state.clear(),
    stop: () => emulator.stop(),
  };
}
