import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../bot/config";
import { awsActionsByLowerName, gcpRoleData } from "../../detection/referenceData";
import {
  REQUIRED_AWS_ACTIONS,
  REQUIRED_AWS_CALLER_ACTIONS,
  REQUIRED_GCP_PERMISSIONS,
} from "../../remediation/requiredPermissions";

/**
 * The deployment must grant the bot exactly what its executors call: no broader role, no
 * forgotten action. Terraform has no validator installable here (providers cannot be
 * downloaded), so every file is parsed with HashiCorp's HCL parser (compiled to wasm in
 * @cdktf/hcl2json) and cross-checked against remediation/requiredPermissions.ts.
 */

const ROOT = join(import.meta.dirname, "../../deploy/terraform");
type Block = Record<string, unknown>;
type Module = {
  resource: Record<string, Record<string, Block[]>>;
  data: Record<string, Record<string, Block[]>>;
  variable: Record<string, Block[]>;
  output: Record<string, Block[]>;
  locals: Block[];
};

async function loadModule(name: string): Promise<{ files: string[]; module: Module }> {
  const dir = join(ROOT, name);
  const files = readdirSync(dir).filter((f) => f.endsWith(".tf"));
  const module: Module = { resource: {}, data: {}, variable: {}, output: {}, locals: [] };
  for (const f of files) {
    const parsed = (await parse(f, readFileSync(join(dir, f), "utf8"))) as Partial<Module>;
    for (const kind of ["resource", "data"] as const) {
      for (const [type, byName] of Object.entries(parsed[kind] ?? {})) {
        module[kind][type] = { ...(module[kind][type] ?? {}), ...byName };
      }
    }
    Object.assign(module.variable, parsed.variable ?? {});
    Object.assign(module.output, parsed.output ?? {});
    module.locals.push(...(parsed.locals ?? []));
  }
  return { files, module };
}

/** A Terraform interpolation as hcl2json renders it: ${expr}. */
function tf(expr: string): string {
  return `\${${expr}}`;
}

function local(m: Module, name: string): unknown {
  for (const l of m.locals) if (name in l) return l[name];
  throw new Error(`local.${name} not found`);
}

let gcp: Module;
let aws: Module;
beforeAll(async () => {
  gcp = (await loadModule("gcp")).module;
  aws = (await loadModule("aws")).module;
});

describe("Terraform", () => {
  it("parses every file of both modules", async () => {
    for (const name of ["gcp", "aws"]) {
      const { files, module } = await loadModule(name);
      expect(files.sort()).toEqual(["main.tf", "outputs.tf", "variables.tf", "versions.tf"]);
      expect(Object.keys(module.resource).length).toBeGreaterThan(5);
    }
  });

  it("documents every variable and output", () => {
    for (const m of [gcp, aws]) {
      for (const [name, [v]] of [...Object.entries(m.variable), ...Object.entries(m.output)]) {
        expect(String(v.description ?? ""), name).toMatch(/\w{3,}.*\w{3,}/);
      }
    }
  });

  it("gives the bot's GCP identity a custom role with exactly the executors' permissions, all real", () => {
    const role = gcp.resource.google_organization_iam_custom_role.remediator[0];
    expect(role.permissions).toBe(tf("local.remediation_permissions"));
    const permissions = local(gcp, "remediation_permissions") as string[];
    expect([...permissions].sort()).toEqual([...REQUIRED_GCP_PERMISSIONS]);
    const known = new Set(Object.values(gcpRoleData().roles).flatMap((r) => r.permissions));
    for (const p of permissions) expect(known.has(p), p).toBe(true);
  });

  it("grants the bot's service account no role beyond the remediator role and its runtime needs", () => {
    // Runtime roles, not remediation: the store and the bot's own secrets, each scoped narrowly.
    const runtime: Record<string, string> = {
      "roles/datastore.user": "Firestore is the bot's store (project-scoped)",
      "roles/secretmanager.secretAccessor": "reads its own secrets (each secret, not the project)",
    };
    const grants: { type: string; role: string }[] = [];
    for (const [type, byName] of Object.entries(gcp.resource)) {
      if (!/_iam_(member|binding)$/.test(type)) continue;
      for (const [b] of Object.values(byName)) {
        if (String(b.member ?? "").includes("google_service_account.bot.email")) {
          grants.push({ type, role: String(b.role) });
        }
      }
    }
    expect(grants.length).toBeGreaterThan(0);
    for (const g of grants) {
      const ok = g.role === tf("google_organization_iam_custom_role.remediator.id") || g.role in runtime;
      expect(ok, `${g.type} grants ${g.role}`).toBe(true);
    }
    expect(grants.filter((g) => g.type === "google_project_iam_member").map((g) => g.role)).toEqual([
      "roles/datastore.user",
    ]);
  });

  it("gives the AWS remediator role exactly the executors' actions, all real, and the bot only sts:AssumeRole", () => {
    const actions = local(aws, "remediation_actions") as string[];
    expect([...actions].sort()).toEqual([...REQUIRED_AWS_ACTIONS]);
    const known = awsActionsByLowerName();
    for (const a of actions) expect(known.has(a.toLowerCase()), a).toBe(true);
    const remediator = aws.data.aws_iam_policy_document.remediator[0].statement as Block[];
    expect(remediator).toHaveLength(1);
    expect(remediator[0].actions).toBe(tf("local.remediation_actions"));
    const bot = aws.data.aws_iam_policy_document.bot[0].statement as Block[];
    expect(bot.flatMap((s) => s.actions as string[]).sort()).toEqual([...REQUIRED_AWS_CALLER_ACTIONS]);
  });

  it("configures Cloud Run with variables the bot really reads, and Pub/Sub push with OIDC and a dead-letter topic", () => {
    const service = gcp.resource.google_cloud_run_v2_service.bot[0] as {
      template: { containers: { env: { name: string }[]; dynamic?: unknown }[] }[];
    };
    const env = service.template[0].containers[0].env.map((e) => e.name);
    const known = new Set(Object.keys(ConfigSchema.shape));
    for (const name of env) expect(known.has(name), name).toBe(true);
    const secrets = gcp.variable.secret_names[0].default as string[];
    for (const name of secrets) expect(known.has(name), name).toBe(true);
    const push = gcp.resource.google_pubsub_subscription.push[0] as Record<string, Block[]>;
    expect(push.push_config[0].oidc_token).toBeDefined();
    expect(String(push.push_config[0].push_endpoint)).toMatch(/\/events\/gcp$/);
    expect(push.dead_letter_policy).toHaveLength(1);
    expect(push.retry_policy).toHaveLength(1);
  });

  it("sends CloudTrail management events to /events/aws with the API-key header the bot checks", () => {
    const conn = aws.resource.aws_cloudwatch_event_connection.bot[0] as {
      auth_parameters: { api_key: { key: string }[] }[];
    };
    const header = ConfigSchema.shape.EVENTBRIDGE_API_KEY_HEADER.parse(undefined);
    expect(conn.auth_parameters[0].api_key[0].key).toBe(header);
    const dest = aws.resource.aws_cloudwatch_event_api_destination.bot[0];
    expect(String(dest.invocation_endpoint)).toMatch(/\/events\/aws"?\}?$|\/events\/aws$/);
    const rule = aws.resource.aws_cloudwatch_event_rule.cloudtrail[0];
    expect(String(rule.event_pattern)).toContain("AWS API Call via CloudTrail");
  });
});

describe("the predefined-role alternative", () => {
  it("holds every permission the executors need (for installs that grant roles instead of the custom role)", async () => {
    const { REQUIRED_GCP_ROLES } = await import("../../remediation/requiredPermissions");
    const roles = gcpRoleData().roles;
    const held = new Set(REQUIRED_GCP_ROLES.flatMap((r) => roles[r]?.permissions ?? []));
    for (const p of REQUIRED_GCP_PERMISSIONS) expect(held.has(p), p).toBe(true);
  });
});
