// npm run models:verify — re-hashes every file in models/manifest.json; exits 1 on any mismatch.
import { checkManifest } from "./manifest-check.ts";

const checks = await checkManifest(process.argv[2]);
for (const check of checks)
  console.log(`${check.ok ? "ok  " : "FAIL"} ${check.model}/${check.path}${check.problem ? `: ${check.problem}` : ""}`);
const failed = checks.filter((check) => !check.ok).length;
console.log(`${checks.length - failed} verified, ${failed} failed`);
process.exit(failed === 0 && checks.length > 0 ? 0 : 1);
