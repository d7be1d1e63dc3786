import { describe, expect, it } from "vitest";
import { type ChildServer, processTree, readyz, startChildServer, waitUntil } from "../helpers/childServer";
import {
  bucketResource,
  bucketWrites,
  cardPostsByIncident,
  FAULT_SECRETS,
  faultEnv,
  publicBucketPush,
  publicPolicy,
  useFaultRig,
} from "../helpers/faultFixtures";

/**
 * WEB_PROCESSES=1, as the container runs: one process answers every request, the first one works
 * the inbox. What an operator sees: events accepted by the web process become incidents, cards
 * and remediations exactly once; /metrics counts both processes; a web process that dies is
 * replaced; SIGTERM stops both cleanly, and a killed primary takes its web process with it so a
 * restart finds the port free.
 */

const rig = useFaultRig("immune-web-processes-");

async function start(port?: number): Promise<ChildServer> {
  const s = await startChildServer(
    { ...faultEnv(rig.slack, rig.google), WEB_PROCESSES: "1", DATA_DIR: rig.dataDir },
    { secrets: FAULT_SECRETS, startMs: 90_000, port },
  );
  rig.servers.push(s);
  return s;
}

async function send(s: ChildServer, n: number): Promise<void> {
  const push = publicBucketPush("webp", n);
  rig.google.setPolicy(bucketResource(push.bucket), publicPolicy());
  const res = await fetch(`${s.url}/events/gcp`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: push.body,
  });
  expect(res.status, await res.text()).toBe(200);
}

/** The sum of a counter's samples in Prometheus text. */
function counter(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(" ").at(-1));
  }
  return sum;
}

describe("WEB_PROCESSES=1", () => {
  it("accepts in the web process, acts once in the inbox process, and counts both in /metrics", {
    timeout: 180_000,
  }, async () => {
    const s = await start();
    expect(s.pids()).toHaveLength(2);
    await waitUntil("the banner", () => s.output().includes("1 answering requests"), 60_000);
    for (let n = 0; n < 12; n++) await send(s, n);
    await waitUntil("a card per incident", () => cardPostsByIncident(rig.slack).size >= 12, 30_000);
    await waitUntil("every bucket fixed", () => bucketWrites(rig.google).size >= 12, 30_000);
    expect([...cardPostsByIncident(rig.slack).values()].every((posts) => posts.length === 1)).toBe(true);
    expect([...bucketWrites(rig.google).values()].every((writes) => writes === 1)).toBe(true);

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    // Accepted by the web process, opened by the inbox process: one /metrics shows both.
    expect(counter(metrics, "immune_events_accepted_total")).toBe(12);
    expect(counter(metrics, "immune_incidents_total")).toBe(12);

    // A web process that dies is replaced, and what it accepts is processed as before.
    const [primary, web] = s.pids();
    process.kill(web, "SIGKILL");
    await waitUntil(
      "a new web process answering",
      async () => s.pids().length === 2 && !s.pids().includes(web) && (await readyz(s.url)),
      30_000,
    );
    await send(s, 12);
    await waitUntil(
      "the card of the event after the restart",
      () => cardPostsByIncident(rig.slack).size >= 13,
      30_000,
    );

    const all = s.pids();
    expect(all[0]).toBe(primary);
    expect(await s.stop()).toBe(0);
    await waitUntil("every process gone", () => all.every((p) => processTree(p).length === 0), 10_000);
  });

  it("a killed inbox process takes its web processes with it, so a restart gets the port", {
    timeout: 180_000,
  }, async () => {
    const s = await start();
    const all = s.pids();
    expect(all).toHaveLength(2);
    const cardsBefore = cardPostsByIncident(rig.slack).size;
    await s.kill("SIGKILL");
    await waitUntil("the web process to exit", () => processTree(all[1]).length === 0, 10_000);
    const again = await start(s.port);
    expect(again.pids()).toHaveLength(2);
    await send(again, 20);
    await waitUntil("the card", () => cardPostsByIncident(rig.slack).size > cardsBefore, 30_000);
  });
});
