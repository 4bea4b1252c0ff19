/**
 * Which upstreams `vigil relay` may connect to, and which environment variables it may read upstream keys from.
 * A Vigil admin names both (a model's `upstream.base_url` and `upstream.api_key_env`) and the relay sends the key
 * to the address, so without limits an admin key would reach the relay's private network (cloud metadata at
 * 169.254.169.254, services on loopback) and could take any variable of the relay's environment. Loopback,
 * private, link-local and reserved addresses are refused unless allow-listed; unspecified, multicast and
 * broadcast ones always are; IPv4 written inside IPv6 (`::ffff:169.254.169.254`) is judged as the IPv4 it is.
 * Key variables must start with a prefix. Pure: the relay applies it to resolved addresses when it connects, the
 * registry to what a URL says by itself.
 */
import { VigilError } from "../errors.js";

/** The prefix key variables must have unless configured otherwise. */
export const DEFAULT_KEY_ENV_PREFIX = "VIGIL_UPSTREAM_KEY_";

/** What an address is, as far as connecting to it goes. */
export type AddressKind = "public" | "loopback" | "private" | "link-local" | "reserved" | "unspecified" | "multicast" | "broadcast";

/** An address range; `bytes` has 4 (IPv4) or 16 (IPv6) entries. */
interface Cidr {
  bytes: readonly number[];
  bits: number;
}

/** The limits on upstreams, parsed once from the configuration. */
export interface UpstreamPolicy {
  /** The allow-list as configured, for messages. */
  readonly allow: readonly string[];
  /** Allow-listed address ranges (a single address is a /32 or /128). */
  readonly cidrs: readonly Cidr[];
  /** Allow-listed host names, lower case; an entry `*.example.internal` is kept as `.example.internal`. */
  readonly hosts: readonly string[];
  /** Key variables must start with this. */
  readonly keyEnvPrefix: string;
}

/** Kinds never connected to, allow-list or not: no upstream lives there, and 0.0.0.0 reaches this machine. */
const NEVER: ReadonlySet<AddressKind> = new Set(["unspecified", "multicast", "broadcast"]);
/** Variables of the relay and the server that hold Vigil's own secrets, refused whatever the prefix. */
const VIGIL_SECRETS: ReadonlySet<string> = new Set(["VIGIL_API_KEY", "VIGIL_API_KEYS", "VIGIL_RELAY_KEY", "VIGIL_DATABASE_URL"]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;
/** Where the allow-list is set, for error messages. */
const ALLOW_SETTINGS = "vigil relay --allow-upstream, VIGIL_UPSTREAM_ALLOW, or failover.upstreams.allow";

/** Ranges that are not public, most specific first (the first match names the kind). */
const RANGES: readonly [Cidr, AddressKind][] = (
  [
    ["255.255.255.255/32", "broadcast"],
    ["0.0.0.0/8", "unspecified"],
    ["10.0.0.0/8", "private"],
    ["100.64.0.0/10", "private"],
    ["127.0.0.0/8", "loopback"],
    ["169.254.0.0/16", "link-local"],
    ["172.16.0.0/12", "private"],
    ["192.0.0.0/24", "reserved"],
    ["192.168.0.0/16", "private"],
    ["198.18.0.0/15", "reserved"],
    ["224.0.0.0/4", "multicast"],
    ["240.0.0.0/4", "reserved"],
    ["::/128", "unspecified"],
    ["::1/128", "loopback"],
    ["100::/64", "reserved"],
    ["fc00::/7", "private"],
    ["fe80::/10", "link-local"],
    ["fec0::/10", "private"],
    ["ff00::/8", "multicast"],
  ] as const
).map(([text, kind]) => [parseCidr(text)!, kind]);

/** IPv6 prefixes whose last 32 bits are an IPv4 address reached through them (mapped, NAT64, the old compatible form). */
const EMBEDS_IPV4: readonly Cidr[] = ["::ffff:0:0/96", "64:ff9b::/96", "::/96"].map((t) => parseCidr(t)!);

/**
 * Builds a policy from the allow-list entries (IP addresses, CIDR ranges, host names, `*.suffix` names) and the
 * key variable prefix; throws a `CONFIG_INVALID` error naming the first bad entry.
 */
export function upstreamPolicy(options: { allow?: readonly string[]; keyEnvPrefix?: string } = {}): UpstreamPolicy {
  const { allow = [], keyEnvPrefix = DEFAULT_KEY_ENV_PREFIX } = options;
  if (!ENV_NAME.test(keyEnvPrefix)) {
    throw new VigilError("CONFIG_INVALID", `the upstream key prefix "${keyEnvPrefix}" must be the start of an environment variable name (letters, digits and _, not empty), e.g. ${DEFAULT_KEY_ENV_PREFIX}`);
  }
  const cidrs: Cidr[] = [];
  const hosts: string[] = [];
  for (const raw of allow) {
    const entry = raw.trim();
    const cidr = parseCidr(entry.includes("/") ? entry : `${unbracket(entry)}/${parseIp(unbracket(entry))?.length === 4 ? 32 : 128}`);
    if (cidr !== null) cidrs.push(cidr);
    else if (!entry.includes("/") && HOST_NAME.test(normalHost(entry)) && !/^[\d.]+$/.test(entry)) hosts.push(normalHost(entry).replace(/^\*/, ""));
    else throw new VigilError("CONFIG_INVALID", `upstream allow-list entry "${raw}" is not an IP address, a CIDR range such as 10.0.0.0/8, or a host name (${ALLOW_SETTINGS})`);
  }
  return Object.freeze({ allow: Object.freeze([...allow]), cidrs, hosts, keyEnvPrefix });
}

/** The policy with no allow-list and the default key prefix. */
export const DEFAULT_UPSTREAM_POLICY: UpstreamPolicy = upstreamPolicy();

/** What kind of address `address` is (IPv4 inside IPv6 judged as the IPv4), or null when it is not an IP address. */
export function addressKind(address: string): AddressKind | null {
  const bytes = parseIp(unbracket(address));
  return bytes === null ? null : kindOf(embeddedIpv4(bytes));
}

/**
 * Why the relay may not connect to `address` (an IP address), reached under the name `hostname` when there is
 * one; null when it may. An allow-listed host name permits whatever it resolves to, except the kinds never
 * connected to.
 */
export function addressRefusal(policy: UpstreamPolicy, address: string, hostname?: string): string | null {
  const raw = parseIp(unbracket(address));
  if (raw === null) return `${address} is not an IP address`;
  const bytes = embeddedIpv4(raw);
  const kind = kindOf(bytes);
  if (kind === "public") return null;
  const what = hostname !== undefined && parseIp(unbracket(hostname)) === null ? `${hostname} resolves to ${address}, ` : `${address} is `;
  if (NEVER.has(kind)) return `${what}${article(kind)} ${kind} address, never an upstream`;
  if (hostname !== undefined && hostAllowed(policy, hostname)) return null;
  if (policy.cidrs.some((c) => inCidr(bytes, c))) return null;
  return `${what}${article(kind)} ${kind} address, not in the upstream allow-list`;
}

/**
 * Why an upstream URL is refused from what it says by itself (an address in a refused range, a `localhost`
 * name); null otherwise, which for other host names means that the addresses they resolve to are judged when
 * the relay connects.
 */
export function urlRefusal(policy: UpstreamPolicy, url: URL): string | null {
  const host = normalHost(url.hostname);
  if (parseIp(host) !== null) return addressRefusal(policy, host);
  if (hostAllowed(policy, host)) return null;
  if (host === "localhost" || host.endsWith(".localhost")) {
    // Such names resolve to loopback (RFC 6761): refused unless one of the loopback addresses is allowed.
    const refused = addressRefusal(policy, "127.0.0.1") !== null && addressRefusal(policy, "::1") !== null;
    return refused ? `${host} is a loopback name, not in the upstream allow-list` : null;
  }
  return null;
}

/** Why `name` may not be read as an upstream key variable; null when it may. Worded to follow the field's name. */
export function keyEnvRefusal(policy: UpstreamPolicy, name: string): string | null {
  if (!ENV_NAME.test(name)) return "must be the name of an environment variable";
  const prefix = policy.keyEnvPrefix;
  if (!name.startsWith(prefix) || name.length === prefix.length) return `must start with ${prefix} (the upstream key prefix), such as ${prefix}OPENAI; other variables are never read`;
  if (VIGIL_SECRETS.has(name)) return `must not be ${name}, which holds a Vigil secret`;
  return null;
}

function hostAllowed(policy: UpstreamPolicy, hostname: string): boolean {
  const host = normalHost(hostname);
  return policy.hosts.some((h) => (h.startsWith(".") ? host.endsWith(h) && host.length > h.length : host === h));
}

function kindOf(bytes: readonly number[]): AddressKind {
  for (const [cidr, kind] of RANGES) if (inCidr(bytes, cidr)) return kind;
  return "public";
}

/** The IPv4 address an IPv6 one stands for (mapped, NAT64, compatible), else the address itself. */
function embeddedIpv4(bytes: readonly number[]): readonly number[] {
  if (bytes.length !== 16) return bytes;
  // :: and ::1 are IPv6's own unspecified and loopback addresses, not the compatible form of 0.0.0.0 and 0.0.0.1.
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15]! <= 1) return bytes;
  return EMBEDS_IPV4.some((c) => inCidr(bytes, c)) ? bytes.slice(12) : bytes;
}

function inCidr(bytes: readonly number[], cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.bits; bit += 8) {
    const take = Math.min(8, cidr.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (cidr.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const bytes = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (bytes === null || !/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  return bits <= bytes.length * 8 ? { bytes, bits } : null;
}

/** The bytes of an IPv4 (dotted decimal) or IPv6 address, or null. */
function parseIp(text: string): number[] | null {
  return parseIpv4(text) ?? parseIpv6(text);
}

function parseIpv4(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map((p) => (p.length > 1 && p.startsWith("0") ? NaN : Number(p)));
  return parts.every((p) => p <= 255) ? parts : null;
}

function parseIpv6(text: string): number[] | null {
  // A zone (fe80::1%eth0) says which interface, not which address.
  const address = text.split("%")[0]!;
  const halves = address.split("::");
  if (halves.length > 2 || (halves.length === 2 && halves[0]!.includes("."))) return null;
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  const words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** The 16-bit groups of one side of an IPv6 address; a trailing dotted IPv4 counts as two. */
function groups(part: string): number[] | null {
  if (part === "") return [];
  const out: number[] = [];
  const items = part.split(":");
  for (const [i, item] of items.entries()) {
    if (i === items.length - 1 && item.includes(".")) {
      const v4 = parseIpv4(item);
      if (v4 === null) return null;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-f]{1,4}$/i.test(item)) out.push(parseInt(item, 16));
    else return null;
  }
  return out;
}

function unbracket(text: string): string {
  return text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
}

/** A host name as compared: lower case, without IPv6 brackets or the root's trailing dot. */
function normalHost(text: string): string {
  return unbracket(text.trim().toLowerCase()).replace(/\.$/, "");
}

function article(kind: AddressKind): string {
  return kind === "unspecified" ? "an" : "a";
}
