import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';

import { hasReference, interpolate } from './interpolate.js';
import { BOOLEAN_FIELDS, NUMBER_FIELDS } from './schema.js';

/**
 * Interpolated text is a string, but `port: ${IMAP_PORT}` should be a number and
 * `idle: ${USE_IDLE:-true}` a boolean, as they would be written literally. Only fields the schema
 * declares as numbers or booleans are converted: a password of digits stays a string.
 */
function typedValue(text: string, field: string | null): string | number | boolean {
  if (field !== null && NUMBER_FIELDS.has(field) && /^\d+$/.test(text) && Number.isSafeInteger(Number(text)))
    return Number(text);
  if (field !== null && BOOLEAN_FIELDS.has(field) && (text === 'true' || text === 'false'))
    return text === 'true';
  return text;
}

/** One problem in the config file, located as `FILE:LINE:COL`. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export type ConfigPath = readonly (string | number)[];

/** A path as a Set/Map key. */
export function pathKey(p: ConfigPath): string {
  return p.join('\u0000');
}

/**
 * The YAML document with its source positions. Keeps the parsed tree so that problems found
 * later (by the schema or by compilation) can be reported at the line and column they come from.
 */
export class YamlSource {
  readonly problems: ConfigProblem[] = [];
  readonly #doc: Document;
  readonly #lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.#doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false, uniqueKeys: true });
    for (const error of [...this.#doc.errors, ...this.#doc.warnings]) {
      const [start] = error.pos;
      this.problems.push(this.#at(start, error.message.split('\n')[0] ?? error.code));
    }
  }

  /** Replaces `${VAR}` references in every string value, in place; unset variables become problems. */
  interpolate(env: Readonly<Record<string, string | undefined>>): void {
    visit(this.#doc, {
      Scalar: (key, node, ancestors) => {
        if (key === 'key' || typeof node.value !== 'string' || !hasReference(node.value)) return;
        const result = interpolate(node.value, env);
        if (result.ok) {
          const parent = ancestors[ancestors.length - 1];
          const field = isPair(parent) && isScalar(parent.key) ? String(parent.key.value) : null;
          node.value = typedValue(result.value, field);
        } else {
          for (const name of result.missing) {
            this.problems.push(
              this.#at(
                node.range?.[0] ?? 0,
                `environment variable ${name} is not set and has no default (write \${${name}:-default})`,
              ),
            );
          }
        }
      },
    });
  }

  toJS(): unknown {
    return this.#doc.toJS();
  }

  has(path: ConfigPath): boolean {
    return this.#doc.hasIn(path);
  }

  /**
   * Position of the value at `path`, or of the key `keyName` inside the map at `path`.
   * When the path does not exist (a missing key), the deepest existing parent is used.
   */
  locate(path: ConfigPath, keyName?: string): { line: number; col: number } {
    if (keyName !== undefined) {
      const parent = this.#doc.getIn(path, true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === keyName);
        if (pair && isNode(pair.key)) return this.#pos(pair.key.range?.[0] ?? 0);
      }
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const node: unknown = depth === 0 ? this.#doc.contents : this.#doc.getIn(prefix, true);
      if (!isNode(node)) continue;
      // A missing key, or a problem with a whole block, is reported at the block's key, where
      // the operator will look; a bad scalar is reported at the value itself.
      if (depth > 0 && (depth < path.length || !isScalar(node)))
        return this.#keyPos(prefix) ?? this.#pos((node as Node).range?.[0] ?? 0);
      return this.#pos(node.range?.[0] ?? 0);
    }
    return { line: 1, col: 1 };
  }

  /**
   * Where a tenant's value is written: a tenant inherits from `defaults`, so a value missing
   * under the tenant but present in `defaults` is reported in `defaults`.
   */
  whereWritten(p: ConfigPath): ConfigPath {
    if (p[0] !== 'tenants' || p.length < 3 || this.has(p)) return p;
    const inDefaults = ['defaults', ...p.slice(2)];
    return this.has(inDefaults) ? inDefaults : p;
  }

  problem(path: ConfigPath, message: string, keyName?: string): ConfigProblem {
    const { line, col } = this.locate(path, keyName);
    return { file: this.file, line, col, message };
  }

  #keyPos(path: ConfigPath): { line: number; col: number } | null {
    const parent = path.length === 1 ? this.#doc.contents : this.#doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (!isMap(parent)) return null;
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last);
    return pair && isNode(pair.key) ? this.#pos(pair.key.range?.[0] ?? 0) : null;
  }

  #pos(offset: number): { line: number; col: number } {
    return this.#lines.linePos(offset);
  }

  #at(offset: number, message: string): ConfigProblem {
    const { line, col } = this.#pos(offset);
    return { file: this.file, line, col, message };
  }
}
