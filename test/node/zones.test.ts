import { describe, expect, it } from "vitest";
import { resolveZone } from "../../src/tools/zones.ts";

describe("the clock takes places as people name them", () => {
  const cases: [string, string][] = [
    ["Asia/Tokyo", "Asia/Tokyo"],
    ["Tokyo", "Asia/Tokyo"],
    ["london", "Europe/London"],
    ["New York", "America/New_York"],
    ["sao paulo", "America/Sao_Paulo"],
    ["São Paulo", "America/Sao_Paulo"],
    ["Mexico City", "America/Mexico_City"],
    ["UTC", "UTC"],
    ["Japan", "Asia/Tokyo"],
    ["portugal", "Europe/Lisbon"],
    ["Germany", "Europe/Berlin"],
    ["Kenya", "Africa/Nairobi"],
    ["Spain", "Europe/Madrid"],
  ];
  // Runtimes list some zones under their older names (Node 22: Asia/Calcutta); either name is the same clock.
  const sameClock = (zone: string) => new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  for (const [place, zone] of [
    ["kolkata", "Asia/Kolkata"],
    ["Kyiv", "Europe/Kyiv"],
    ["Ho Chi Minh", "Asia/Ho_Chi_Minh"],
    ["Calcutta", "Asia/Kolkata"],
  ]) {
    it(`${place} → ${zone}, under whichever name the runtime lists it`, () => expect(resolveZone(place!)).toBe(sameClock(zone!)));
  }
  for (const [place, zone] of cases) it(`${place} → ${zone}`, () => expect(resolveZone(place)).toBe(zone));

  it("a country with several clocks asks for a city; nonsense is a typed error", () => {
    expect(() => resolveZone("United States")).toThrow(/several time zones/);
    expect(() => resolveZone("New Zealand")).toThrow(/several time zones/);
    expect(() => resolveZone("Atlantis")).toThrow(/unknown time zone or place/);
  });
});
