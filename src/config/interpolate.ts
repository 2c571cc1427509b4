import { isPair, isScalar, parse as parseYaml, Scalar, visit, type Document } from 'yaml';

type Env = Record<string, string | undefined>;

/**
 * `${NAME}` and `${NAME:-default}` in the config file's values, replaced from the environment
 * (the default when NAME is unset or empty), as docker compose does. `$${` is a literal `${`.
 * Anything else inside `${…}`, or a NAME that is not set and has no default, is a problem: such a
 * value is never taken literally (it would become a token or a URL).
 *
 * A plain (unquoted) value that is one reference alone reads as YAML would read the text in its
 * place: `http_port: ${PORT}` is the number 8080; quote it to keep a string (`token: "${TOKEN}"`).
 * The replacement is only ever a scalar: an environment value cannot add keys.
 *
 * Returns the key paths whose values could not be replaced, each with its problem.
 */
export function interpolateEnv(doc: Document, env: Env): Array<{ path: string[]; problem: string }> {
  const problems: Array<{ path: string[]; problem: string }> = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const path = ancestors.filter(isPair).map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
      const result = substitute(node.value, env);
      if ('problem' in result) {
        problems.push({ path, problem: result.problem });
        return;
      }
      if (result.text === node.value) return;
      node.value = node.type === Scalar.PLAIN && result.whole ? asPlainScalar(result.text) : result.text;
    },
  });
  return problems;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

function substitute(value: string, env: Env): { text: string; whole: boolean } | { problem: string } {
  let text = '';
  let references = 0;
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (!value.startsWith('${', i)) {
      text += value[i++];
      continue;
    }
    const end = value.indexOf('}', i + 2);
    if (end < 0) return { problem: `"${value}" has a \${ without its closing }; write \${NAME}, \${NAME:-default}, or $\${ for a literal \${` };
    const inner = value.slice(i + 2, end);
    const match = REFERENCE.exec(inner);
    if (!match) return { problem: `\${${inner}} is not a variable reference; write \${NAME} or \${NAME:-default} (NAME: letters, digits, _)` };
    const [, name, fallback] = match;
    const set = env[name];
    if (fallback !== undefined) text += set ? set : fallback;
    else if (set !== undefined) text += set;
    else return { problem: `\${${name}}: the environment variable ${name} is not set (set it, or write \${${name}:-default})` };
    references++;
    i = end + 1;
  }
  return { text, whole: references === 1 && /^\$\{[^}]*\}$/.test(value) };
}

/** A number, boolean or null when YAML reads the text as one; else the text itself (never a structure). */
function asPlainScalar(text: string): unknown {
  try {
    const value: unknown = parseYaml(text);
    return typeof value === 'number' || typeof value === 'boolean' || value === null ? value : text;
  } catch {
    return text;
  }
}
