import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Writes bench/.generated/wrangler.toml: the project's wrangler.toml with the bench Worker as `main`
 * and the baseline objects bound, so the bench runs the deployed runtime beside its baselines
 * without either living in the production config. Paths are rewritten for the new folder.
 */
export function benchWranglerConfig(root: string): string {
  const dir = resolve(root, "bench/.generated");
  mkdirSync(dir, { recursive: true });
  const base = readFileSync(resolve(root, "wrangler.toml"), "utf8");
  const main = base
    .replace(/^main = "src\/index\.ts"$/m, 'main = "../worker.ts"')
    .replace(/^directory = "web\/dist"$/m, 'directory = "../../web/dist"');
  if (main === base) throw new Error("wrangler.toml's main or assets directory moved: update bench/bench-config.ts");
  const [defaults, production] = main.split(/^\[env\.production\]$/m);
  const extra = `
[[durable_objects.bindings]]
name = "BARE_ECHO"
class_name = "BareEcho"

[[durable_objects.bindings]]
name = "BARE_INSERT"
class_name = "BareInsert"

[[durable_objects.bindings]]
name = "SDK_CHAT"
class_name = "SdkChat"

[[migrations]]
tag = "bench-1"
new_sqlite_classes = ["BareEcho", "BareInsert", "SdkChat"]
`;
  writeFileSync(resolve(dir, "wrangler.toml"), `${defaults}${extra}\n[env.production]${production ?? ""}`);
  if (existsSync(resolve(root, ".dev.vars"))) copyFileSync(resolve(root, ".dev.vars"), resolve(dir, ".dev.vars"));
  return resolve(dir, "wrangler.toml");
}
