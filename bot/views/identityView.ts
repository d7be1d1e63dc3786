import type { Identity, Incident } from "../../detection/model";
import { ago, plural } from "./format";
import { BAND_LABEL, bandOf } from "./riskBand";
import type { View } from "./view";

export interface IdentityHealthData {
  query: string;
  identity?: Identity;
  /** Incidents whose actor is this identity (any state), newest first. */
  incidents: Incident[];
  now: Date;
}

function trend(identity: Identity): string | undefined {
  const h = identity.riskHistory;
  if (h.length < 2) return h.length ? `risk ${h[0].risk} on ${h[0].day}` : undefined;
  const a = h[h.length - 2];
  const b = h[h.length - 1];
  const dir = b.risk > a.risk ? "rising" : b.risk < a.risk ? "falling" : "steady";
  return `${dir}: ${a.risk} → ${b.risk} (${a.day} → ${b.day})`;
}

/** `/immune identity <who>`: who this is, how they are doing, what is open against them. */
export function identityHealthView(d: IdentityHealthData): View {
  const open = d.incidents.filter((i) => ["open", "snoozed", "failed", "remediating"].includes(i.state));
  const id = d.identity;
  if (!id && d.incidents.length === 0) {
    return {
      kind: "identity",
      title: `Identity: ${d.query}`,
      fields: [],
      sections: [{ lines: ["No data yet: this identity is not in the store and has no incidents."] }],
      facts: [],
      actions: [],
      fallback: `No data yet for ${d.query}`,
    };
  }
  const fields = [
    { label: "Identity", value: id ? `${id.display} (${id.kind})` : d.query },
    { label: "Lifecycle", value: id ? id.lifecycle : "unknown" },
    { label: "Known to IGA", value: id ? (id.knownToIga ? "yes" : "no") : "not in the store" },
    { label: "Open incidents", value: String(open.length) },
  ];
  if (id?.owner) fields.push({ label: "Owner", value: id.owner });
  if (id?.department) fields.push({ label: "Department", value: id.department });
  if (id) fields.push({ label: "Last certified", value: ago(id.lastCertifiedAt, d.now) });
  const risk = id ? trend(id) : undefined;
  const facts: string[] = [];
  if (risk) facts.push(`Risk ${risk}`);
  if (id && !id.knownToIga) facts.push("Not known to the IGA: treat as unmanaged");
  return {
    kind: "identity",
    title: `Identity: ${id ? id.display : d.query}`,
    fields,
    sections: [
      {
        heading: "Open incidents",
        lines: open.length
          ? open
              .slice(0, 8)
              .map((i) => `${BAND_LABEL[bandOf(i.risk)]} ${Math.round(i.risk)} · ${i.title} · ${i.id}`)
          : ["None"],
      },
    ],
    facts,
    actions: [],
    fallback: `${id ? id.display : d.query}: ${plural(open.length, "open incident")}`,
  };
}
