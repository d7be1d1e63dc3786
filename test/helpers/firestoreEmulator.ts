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
  withCursors((emulator as unknown as { state: EmulatorState }).state);
  return {
    host: `127.0.0.1:${port}`,
    clear: () => emulator.state.clear(),
    stop: () => emulator.stop(),
  };
}

interface EmulatorField {
  toJSON(): { type: string; value: unknown };
}
interface EmulatorDoc {
  name: string;
  getField(path: string): EmulatorField | undefined;
}
interface ProtoValue {
  has_reference_value: boolean;
  reference_value: string;
  has_integer_value: boolean;
  integer_value: number | string;
  has_double_value: boolean;
  double_value: number;
  has_string_value: boolean;
  string_value: string;
}
interface StructuredQuery {
  order_by: { field: { field_path: string }; direction: number }[];
  has_start_at: boolean;
  start_at: { values: ProtoValue[]; before: boolean };
  has_limit: boolean;
  limit: { value: number };
}
interface EmulatorState {
  v1Query(parent: string, query: StructuredQuery): EmulatorDoc[];
}

const DESCENDING = 2;

/**
 * The emulator ignores query cursors (startAt/startAfter) and ordering by document id
 * (`__name__`), which Firestore documents and paged reads rely on. Queries using either are
 * answered here as Firestore does: the emulator filters, then we order by the given fields and
 * the document id, start at the cursor, and apply the limit.
 */
function withCursors(state: EmulatorState): void {
  const original = state.v1Query.bind(state);
  state.v1Query = (parent, query) => {
    const orders = query.order_by;
    if (!query.has_start_at && !orders.some((o) => o.field.field_path === "__name__"))
      return original(parent, query);
    const unlimited = Object.create(query, { has_limit: { value: false } }) as StructuredQuery;
    const fieldValue = (doc: EmulatorDoc, path: string): unknown =>
      path === "__name__" ? doc.name : doc.getField(path)?.toJSON().value;
    const compare = (a: unknown, b: unknown): number =>
      a === b
        ? 0
        : a === undefined
          ? 1
          : b === undefined
            ? -1
            : (a as number | string) < (b as number | string)
              ? -1
              : 1;
    const key = (doc: EmulatorDoc): unknown[] => orders.map((o) => fieldValue(doc, o.field.field_path));
    const compareKeys = (a: unknown[], b: unknown[]): number => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const c = compare(a[i], b[i]) * (orders[i].direction === DESCENDING ? -1 : 1);
        if (c !== 0) return c;
      }
      return 0;
    };
    let docs = original(parent, unlimited).sort((a, b) => compareKeys(key(a), key(b)));
    if (query.has_start_at) {
      const cursor = query.start_at.values.map((v) => {
        if (v.has_reference_value) return v.reference_value.split("/").pop();
        if (v.has_integer_value) return Number(v.integer_value);
        if (v.has_double_value) return v.double_value;
        if (v.has_string_value) return v.string_value;
        throw new Error("emulator cursors: unsupported value type");
      });
      docs = docs.filter((d) => {
        const c = compareKeys(key(d), cursor);
        return query.start_at.before ? c >= 0 : c > 0;
      });
    }
    return query.has_limit ? docs.slice(0, query.limit.value) : docs;
  };
}
