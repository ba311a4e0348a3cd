import { generateContact, Random } from './data.js';

/*
 * The interactions of the resolve benchmark, the same for a seed: 90% from customers of the
 * data set (a contact's phone as its telephony system sends it, or its email, often
 * upper-cased), 10% from customers nobody knows (a new phone number, or a web visitor's cookie).
 */

export interface ResolveRequest {
  readonly kind: 'known-phone' | 'known-email' | 'new-phone' | 'new-cookie';
  readonly body: string;
}

const AREA_CODES = [201, 212, 305, 312, 317, 404, 415, 512, 617, 702, 713, 818, 919, 972];

/** A phone as telephony systems send it: E.164, national with punctuation, or digits. */
function restyle(display: string, random: Random): string {
  const digits = display.replace(/\D/g, '');
  const national = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  if (national.length !== 10) return display;
  const [a, b, c] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
  switch (random.int(5)) {
    case 0:
      return `+1${national}`;
    case 1:
      return `(${a}) ${b}-${c}`;
    case 2:
      return `${a}.${b}.${c}`;
    case 3:
      return `1-${a}-${b}-${c}`;
    default:
      return display;
  }
}

function voice(phone: string): string {
  return JSON.stringify({ channel: 'voice', identifiers: [{ type: 'Phone', value: phone }] });
}

export function makeRequests(
  seed: number,
  rows: number,
  count: number,
  run: number,
): ResolveRequest[] {
  const random = new Random(seed * 7919 + run);
  const requests: ResolveRequest[] = [];
  while (requests.length < count) {
    const k = requests.length;
    if (random.chance(0.1)) {
      if (random.chance(0.5)) {
        const area = AREA_CODES[random.int(AREA_CODES.length)] as number;
        const line = `${2 + random.int(8)}${String(random.int(1_000_000)).padStart(6, '0')}`;
        requests.push({
          kind: 'new-phone',
          body: voice(`(${area}) ${line.slice(0, 3)}-${line.slice(3)}`),
        });
      } else {
        requests.push({
          kind: 'new-cookie',
          body: JSON.stringify({
            channel: 'webmessaging',
            identifiers: [
              { type: 'Cookie', value: `bench-${seed}-${run}-${k}-${random.int(1 << 30)}` },
            ],
          }),
        });
      }
      continue;
    }
    const { input } = generateContact(seed, random.int(rows));
    const phone = (input.cellPhone ?? input.workPhone ?? input.homePhone) as
      { display: string } | undefined;
    const email = (input.personalEmail ?? input.workEmail) as string | undefined;
    if (phone !== undefined && (email === undefined || random.chance(0.7))) {
      requests.push({ kind: 'known-phone', body: voice(restyle(phone.display, random)) });
    } else if (email !== undefined) {
      requests.push({
        kind: 'known-email',
        body: JSON.stringify({
          channel: 'email',
          identifiers: [{ type: 'Email', value: random.chance(0.3) ? email.toUpperCase() : email }],
        }),
      });
    }
  }
  return requests;
}
