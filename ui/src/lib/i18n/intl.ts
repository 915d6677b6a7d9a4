// The platform's formatters, made once per language and style. Making one loads ICU data into
// an object of tens of kilobytes that lives outside the script heap, so the collector does not
// hurry to free it: the checks list made two per row as it was scrolled, and the web process
// grew by about 60 MB over 5,000 rows (issue #18). A handful of them, kept, cost nothing.

const made = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.DisplayNames>();

function once<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.DisplayNames>(key: string, make: () => T): T {
  let f = made.get(key) as T | undefined;
  if (!f) {
    f = make();
    made.set(key, f);
  }
  return f;
}

export function numberFormat(lang: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return once(`n|${lang}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(lang, options));
}

export function dateTimeFormat(lang: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return once(`d|${lang}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(lang, options));
}

/** Throws, like the constructor, for a language the platform does not know. */
export function regionNames(lang: string): Intl.DisplayNames {
  return once(`r|${lang}`, () => new Intl.DisplayNames([lang], { type: 'region' }));
}
