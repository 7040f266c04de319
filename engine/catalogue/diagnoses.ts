/**
 * ICD-10 diagnoses that count as a major disease (大病) when a claim or an admission carries them,
 * after the critical-illness lists of China's medical assistance and critical-illness insurance:
 * cancers, end-stage renal disease, stroke and heart attack, congenital heart disease of
 * children, leukaemia and aplastic anaemia, haemophilia, liver failure and cirrhosis, HIV disease,
 * organ transplants. Prefixes of the code; the first match names the disease.
 */
const MAJOR: readonly (readonly [prefix: string, name: string])[] = [
  ['C', 'malignant neoplasm'],
  ['D46', 'myelodysplastic syndrome'],
  ['D61', 'aplastic anaemia'],
  ['D66', 'haemophilia'],
  ['D67', 'haemophilia'],
  ['N18.5', 'end-stage renal disease'],
  ['N18.6', 'end-stage renal disease'],
  ['I21', 'acute myocardial infarction'],
  ['I60', 'stroke'],
  ['I61', 'stroke'],
  ['I63', 'stroke'],
  ['Q20', 'congenital heart disease'],
  ['Q21', 'congenital heart disease'],
  ['Q22', 'congenital heart disease'],
  ['Q23', 'congenital heart disease'],
  ['Q24', 'congenital heart disease'],
  ['Q25', 'congenital heart disease'],
  ['K72', 'liver failure'],
  ['K74', 'cirrhosis of the liver'],
  ['B20', 'HIV disease'],
  ['B21', 'HIV disease'],
  ['B22', 'HIV disease'],
  ['B23', 'HIV disease'],
  ['B24', 'HIV disease'],
  ['G12.2', 'motor neuron disease'],
  ['Z94', 'organ transplant'],
];

/** Disease names the synthetic city records without a code, and the codes they cover. */
const NAMED: Readonly<Record<string, string>> = {
  cancer: 'C',
  leukemia: 'C9',
  uremia: 'N18',
  stroke: 'I6',
  heart_failure: 'I50',
  organ_transplant: 'Z94',
  aplastic_anemia: 'D61',
  hemophilia: 'D6',
};

/**
 * Whether a recorded disease entry already covers the diagnosis `code`: an entry naming its
 * category (`… (C34)`) covers that category; a bare catalogue name covers its codes.
 */
export function coversCode(entry: string, code: string): boolean {
  const c = code.toUpperCase();
  const m = /\(([A-Z]\d{2})\)$/.exec(entry);
  if (m) return c.startsWith(m[1]!);
  const prefix = NAMED[entry];
  return prefix !== undefined && c.startsWith(prefix);
}

/**
 * The major disease an ICD-10 code is evidence of, as the person's disease list records it
 * (`<name> (<3-character category>)`, one entry per category however many claims carry it), or
 * null when the code is not a major disease.
 */
export function majorDiseaseOf(code: string): string | null {
  const c = code.toUpperCase();
  for (const [prefix, name] of MAJOR) if (c.startsWith(prefix)) return `${name} (${c.slice(0, 3)})`;
  return null;
}
