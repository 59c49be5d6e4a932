// Extract a compact schema index from an unpacked @pulumi/aws npm package.
//
// For every generated resource class (a `.js` file with `static __pulumiType`), read the matching
// `.d.ts`: the `<Class>Args` interface gives the input properties (a property without `?` is
// required) and the `readonly x: pulumi.Output<...>` fields of the class give the outputs.
// The JS `Missing required property` checks are cross-checked against the d.ts.
//
// Invokes (`pulumi.runtime.invoke("<token>", ...)`) are read the same way from `<Fn>Args` and
// `<Fn>Result`.
//
// Output (one line of JSON per resource or function, sorted by token, so diffs stay readable):
//   {"version": "...", "resources": {"<token>": {"in": ["name", "!requiredName", ...],
//                                                "out": ["outputOnly", ...]}},
//    "functions": {"<token>": {"in": [...args], "out": [...result fields]}}}
// `out` lists only the outputs that are not also inputs (inputs are always outputs too), and
// never `id`/`urn`, which every resource has.
import fs from "node:fs";
import path from "node:path";

const [root, version] = process.argv.slice(2);
if (!root || !version) {
  console.error("usage: node extract.mjs <unpacked-package-dir> <version>");
  process.exit(2);
}

function walk(dir, acc) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "types" && entry.name !== "node_modules") walk(full, acc);
    } else if (entry.name.endsWith(".js")) {
      acc.push(full);
    }
  }
  return acc;
}

// The body of `<head> { ... }` starting at the first match of `head`, braces balanced.
function block(text, head) {
  const start = text.search(head);
  if (start < 0) return null;
  let depth = 0;
  for (let i = text.indexOf("{", start); i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(text.indexOf("{", start) + 1, i);
  }
  return null;
}

// Drop /** ... */ comments so that property-looking text inside docs cannot match.
const stripComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, "");

const resources = {};
const functions = {};
const problems = [];
for (const js of walk(root, []).sort()) {
  const src = fs.readFileSync(js, "utf8");
  const invokeMatch = src.match(/runtime\.invoke\("([^"]+)"/);
  if (invokeMatch) {
    const fnName = path.basename(js, ".js");
    const cap = fnName[0].toUpperCase() + fnName.slice(1);
    const dts = fs.readFileSync(js.replace(/\.js$/, ".d.ts"), "utf8");
    const props = (body) =>
      body === null ? [] : [...stripComments(body).matchAll(/^ {4}(?:readonly )?(\w+)(\??):/gm)];
    const argList = props(block(dts, new RegExp(`export interface ${cap}Args \\{`)))
      .map((m) => (m[2] === "?" ? m[1] : `!${m[1]}`))
      .sort((a, b) => (a.replace("!", "") < b.replace("!", "") ? -1 : 1));
    const result = props(block(dts, new RegExp(`export interface ${cap}Result \\{`))).map((m) => m[1]).sort();
    functions[invokeMatch[1]] = { in: argList, out: result };
    continue;
  }
  const tokenMatch = src.match(/static __pulumiType = '([^']+)'/);
  if (!tokenMatch) continue;
  let token = tokenMatch[1];
  if (token === "aws") token = "pulumi:providers:aws";
  const classMatch = src.match(/exports\.(\w+) = \1;|class (\w+) extends pulumi\.(?:Custom|Provider)Resource/);
  const className = classMatch && (classMatch[1] || classMatch[2]);
  const dts = fs.readFileSync(js.replace(/\.js$/, ".d.ts"), "utf8");
  const args = block(dts, new RegExp(`export interface ${className}Args \\{`));
  const cls = block(dts, new RegExp(`export declare class ${className} extends`));
  if (cls === null) {
    problems.push(`${js}: no class ${className}`);
    continue;
  }
  const inputs = new Map();
  if (args !== null) {
    for (const m of stripComments(args).matchAll(/^ {4}(\w+)(\??):/gm)) inputs.set(m[1], m[2] !== "?");
  }
  const jsRequired = new Set([...src.matchAll(/Missing required property '(\w+)'/g)].map((m) => m[1]));
  for (const name of jsRequired) {
    if (inputs.get(name) !== true) problems.push(`${token}: '${name}' required in JS but not in d.ts`);
  }
  const outputs = [];
  for (const m of stripComments(cls).matchAll(/^ {4}readonly (\w+)(\??): pulumi\.Output</gm)) {
    if (!inputs.has(m[1]) && m[1] !== "id" && m[1] !== "urn") outputs.push(m[1]);
  }
  const inList = [...inputs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, req]) => (req ? `!${name}` : name));
  resources[token] = { in: inList, out: outputs.sort() };
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
const section = (map) =>
  Object.keys(map)
    .sort()
    .map((t) => `${JSON.stringify(t)}:${JSON.stringify(map[t])}`)
    .join(",\n");
process.stdout.write(
  `{"version":${JSON.stringify(version)},"package":"@pulumi/aws",\n"resources":{\n${section(resources)}\n},\n"functions":{\n${section(functions)}\n}}\n`,
);
console.error(`${Object.keys(resources).length} resources, ${Object.keys(functions).length} functions`);
