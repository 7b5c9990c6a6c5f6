import { ToolError } from "./tool.ts";

/**
 * A time zone from what people write: an IANA id ("Asia/Tokyo"), a city in the runtime's own zone
 * list ("tokyo", "New York", "sao paulo"), or a country ("Japan", "portugal") through the runtime's
 * region names and each region's zones, or a city the runtime knows by another name ("Kolkata").
 * Nothing here is a hand-kept table.
 */
let index: { cities: Map<string, string>; countries: Map<string, string[]>; areas: string[]; aliases: Map<string, string | null> } | null =
  null;

const fold = (text: string) =>
  text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[_\s]+/g, " ")
    .trim();

function regionZones(region: string): string[] {
  const locale = new Intl.Locale(`und-${region}`) as Intl.Locale & { getTimeZones?: () => string[]; timeZones?: string[] };
  return locale.getTimeZones?.() ?? locale.timeZones ?? [];
}

function build(): NonNullable<typeof index> {
  const cities = new Map<string, string>();
  const areas = new Set<string>();
  for (const zone of Intl.supportedValuesOf("timeZone")) {
    const parts = zone.split("/");
    cities.set(fold(parts.at(-1)!), zone);
    if (parts.length > 1) areas.add(parts[0]!);
  }
  const countries = new Map<string, string[]>();
  const names = new Intl.DisplayNames(["en"], { type: "region" });
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      const zones = name && name !== code ? regionZones(code) : [];
      if (zones.length > 0) countries.set(fold(name!), zones);
    }
  }
  return { cities, countries, areas: [...areas], aliases: new Map() };
}

/**
 * A city the runtime lists under another name: Node's list has Asia/Calcutta and Europe/Kiev, and
 * people write Kolkata and Kyiv. The runtime's own alias data resolves "Asia/Kolkata", so each
 * area of the list is tried with the city as an id part; null when none takes it.
 */
function aliasZone(key: string, known: NonNullable<typeof index>): string | null {
  // Old links that name a direction ("Australia/North") are not places people mean.
  if (!/^[a-z]+( [a-z]+){0,3}$/.test(key) || /^(north|south|east|west)$/.test(key)) return null;
  if (known.aliases.has(key)) return known.aliases.get(key)!;
  const city = key.replace(/(^| )([a-z])/g, (_, space: string, letter: string) => (space ? "_" : "") + letter.toUpperCase());
  let zone: string | null = null;
  for (const area of known.areas) {
    try {
      zone = new Intl.DateTimeFormat("en-US", { timeZone: `${area}/${city}` }).resolvedOptions().timeZone;
      break;
    } catch {
      // Not a zone in this area.
    }
  }
  known.aliases.set(key, zone);
  return zone;
}

/** Island and ocean zones come after a country's mainland ones (Portugal: Lisbon, not the Azores). */
const REMOTE = /^(Atlantic|Indian|Pacific|Antarctica|Arctic)\//;

const CONTINENTS = ["Europe", "Asia", "America", "Africa", "Australia"];
const byContinent = (a: string, b: string) => rank(a) - rank(b) || (a < b ? -1 : 1);
const rank = (zone: string) => (CONTINENTS.indexOf(zone.split("/")[0]!) + CONTINENTS.length + 1) % (CONTINENTS.length + 1);
const offsetNow = (zone: string) =>
  new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).format(new Date()).split(" ").at(-1);

export function resolveZone(place: string): string {
  const text = place.trim();
  const zones = placeZones(text);
  if (!zones) throw new ToolError("invalid_tool_args", `unknown time zone or place "${text}"`);
  // One clock for the whole country (Spain's Madrid and Ceuta agree): any of its zones answers.
  if (zones.length === 1 || new Set(zones.map(offsetNow)).size === 1) return zones.sort(byContinent)[0]!;
  throw new ToolError("invalid_tool_args", `${text} has several time zones (${zones.slice(0, 4).join(", ")}…); name a city`);
}

/** The zones a place may mean: one for an id or a city, a country's mainland ones; null when unknown. */
export function placeZones(place: string): string[] | null {
  const text = place.trim();
  if (/^(utc|gmt|z)$/i.test(text)) return ["UTC"];
  try {
    return [new Intl.DateTimeFormat("en-US", { timeZone: text }).resolvedOptions().timeZone];
  } catch {
    // Not an IANA id: a place name, then.
  }
  index ??= build();
  const key = fold(text.replace(/^(the)\s+/i, ""));
  const city = index.cities.get(key);
  if (city) return [city];
  const zones = index.countries.get(key);
  if (!zones) {
    const alias = aliasZone(key, index);
    return alias ? [alias] : null;
  }
  const mainland = zones.filter((z) => !REMOTE.test(z));
  return mainland.length > 0 ? mainland : zones;
}
