// Word lists for realistic records. A few names carry accents or apostrophes on
// purpose: they must survive JSON, search and the PDF text.

export const FIRST_NAMES = [
  'Amelia',
  'Oliver',
  'Isla',
  'George',
  'Ava',
  'Noah',
  'Mia',
  'Arthur',
  'Grace',
  'Leo',
  'Freya',
  'Oscar',
  'Lily',
  'Harry',
  'Ivy',
  'Jack',
  'Sophie',
  'Theo',
  'Chloe',
  'Finn',
  'Zoë',
  'José',
  'Aoife',
  'Siobhán',
  'Mateo',
  'Léa',
  'Lukas',
  'Hannah',
  'Yuki',
  'Haruto',
  'Priya',
  'Arjun',
  'Fatima',
  'Omar',
  'Ingrid',
  'Lars',
  'Chiara',
  'Marco',
  'Nina',
  'Pablo',
  'Ruth',
  'Samuel',
  'Tess',
  'Umar',
  'Vera',
  'William',
  'Xander',
  'Yasmin',
  'Zara',
  'Elena',
] as const;

export const LAST_NAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Wright',
  "O'Brien",
  'Müller',
  'García',
  'Rossi',
  'Dubois',
  'Tanaka',
  'Sato',
  'Kowalski',
  'Nguyen',
  'Khan',
  'Evans',
  'Thomas',
  'Roberts',
  'Walker',
  'Hughes',
  'Green',
  'Hall',
  'Clarke',
  'Jackson',
  'Wood',
  'Murphy',
  'Kelly',
  'Schmidt',
  'Fischer',
  'Martin',
  'Bernard',
  'Lindqvist',
  'Moreau',
  'Silva',
  'Costa',
  'Fernández',
  'Novak',
  'Horvat',
  'Ivanova',
  'Andersen',
  'Berg',
  'Campbell',
  'Stewart',
  'Reid',
  'MacLeod',
] as const;

const COMPANY_STEMS = [
  'Fenwick',
  'Harbour',
  'Blackthorn',
  'Meridian',
  'Oakridge',
  'Silverline',
  'Kestrel',
  'Lumen',
  'Northgate',
  'Riverside',
  'Saltmarsh',
  'Thistle',
  'Wexford',
  'Yarrow',
  'Zenith',
  'Ashdown',
  'Bramble',
  'Copperleaf',
  'Driftwood',
  'Elmstead',
] as const;

const COMPANY_KINDS = [
  'Media',
  'Books',
  'Analytics',
  'Press',
  'Studios',
  'Partners',
  'Publishing',
  'Learning',
  'News',
  'Labs',
] as const;

const COMPANY_SUFFIXES = ['Ltd', 'GmbH', 'Inc.', 'Pty Ltd', 'SAS', 'K.K.', '& Co.', 'LLC'] as const;

export const COMPANY_NAMES: readonly string[] = COMPANY_STEMS.flatMap((stem, i) =>
  COMPANY_KINDS.map((kind, j) => `${stem} ${kind} ${COMPANY_SUFFIXES[(i + j) % COMPANY_SUFFIXES.length] ?? 'Ltd'}`),
);

export interface Country {
  code: string;
  phonePrefix: string;
  currency: string;
  emailDomain: string;
}

/** Weighted so that GBP dominates while every currency still appears in a few hundred records. */
export const COUNTRIES: readonly (readonly [Country, number])[] = [
  [{ code: 'GB', phonePrefix: '+44 20 7946', currency: 'GBP', emailDomain: 'example.co.uk' }, 40],
  [{ code: 'IE', phonePrefix: '+353 1 555', currency: 'EUR', emailDomain: 'example.ie' }, 6],
  [{ code: 'DE', phonePrefix: '+49 30 5555', currency: 'EUR', emailDomain: 'example.de' }, 10],
  [{ code: 'FR', phonePrefix: '+33 1 5555', currency: 'EUR', emailDomain: 'example.fr' }, 8],
  [{ code: 'US', phonePrefix: '+1 202 555', currency: 'USD', emailDomain: 'example.com' }, 18],
  [{ code: 'AU', phonePrefix: '+61 2 5550', currency: 'AUD', emailDomain: 'example.com.au' }, 8],
  [{ code: 'JP', phonePrefix: '+81 3 5555', currency: 'JPY', emailDomain: 'example.jp' }, 6],
  [{ code: 'CA', phonePrefix: '+1 416 555', currency: 'CAD', emailDomain: 'example.ca' }, 4],
];

/** Whole units for JPY, cents otherwise: these are the invoice totals before quantity. */
export const PRICE_POINTS_CENTS = [499, 999, 1299, 1999, 2499, 4999, 9900, 12000, 19999, 124950] as const;
export const PRICE_POINTS_YEN = [980, 1500, 2400, 4800, 12000, 150000] as const;

export const CUSTOMER_TAGS = ['vip', 'trial', 'student', 'corporate', 'gift', 'print', 'digital', 'lapsed'] as const;

export const OFFERS = [
  'Digital Monthly',
  'Digital Annual',
  'Print + Digital',
  'Weekend Print',
  'Student Digital',
  'Corporate 10 Seats',
  'All Access',
  'Newsletter Plus',
] as const;

export const PAYMENT_TERMS = [
  ['Due Upon Receipt', 0],
  ['Net 15', 15],
  ['Net 30', 30],
  ['Net 60', 60],
] as const;
