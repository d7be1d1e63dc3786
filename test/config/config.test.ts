import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../bot/config";

describe("configuration", () => {
  it("comes up with no configuration at all: port 3000, sqlite, loopback", () => {
    const cfg = loadConfig({});
    expect(cfg.PORT).toBe(3000);
    expect(cfg.STORE).toBe("sqlite");
    expect(cfg.HOST).toBeUndefined();
  });

  it("names every bad variable and what is wrong with it", () => {
    try {
      loadConfig({ PORT: "seventy", STORE: "mongo" });
      expect.unreachable("bad config must throw");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/PORT/);
      expect(msg).toMatch(/STORE/);
    }
  });

  it("requires the project when the firestore store is chosen", () => {
    expect(() => loadConfig({ STORE: "firestore" })).toThrow(/FIRESTORE_PROJECT_ID/);
  });
});
