// STUB (owned by the model-front work): Compose's dotenv rules.
/**
 * Parse a .env / env_file text. `lookup` resolves `${VAR}` references inside unquoted and
 * double-quoted values (Compose interpolates them). Throws StackFileError with file:line:col
 * on a syntax error. Returns a null-prototype record.
 */
export function parseDotenv(text: string, file: string, lookup?: (name: string) => string | undefined): Record<string, string> {
  void text; void file; void lookup;
  throw new Error('parseDotenv: not implemented yet');
}
