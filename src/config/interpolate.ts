/**
 * `${VAR}` and `${VAR:-default}` in string values (SPEC §3). `$${` escapes a literal `${`.
 * Returns the new string, or the names of variables that are unset and have no default.
 */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type InterpolationResult = { ok: true; value: string } | { ok: false; missing: string[] };

export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): InterpolationResult {
  const missing: string[] = [];
  const value = text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${';
    const found = env[name];
    // As in POSIX shells, `:-` also applies when the variable is set but empty.
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return whole;
  });
  return missing.length > 0 ? { ok: false, missing } : { ok: true, value };
}

export function hasReference(text: string): boolean {
  return text.includes('${');
}
